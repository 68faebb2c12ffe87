//! Converts worker messages to and from JS values, for both ends of the channel.
//!
//! A posted message is a plain object `{ msg, buffers, port? }`: `msg` is the serde
//! [`Envelope`] (serialised JSON-compatibly, so maps become plain objects), `buffers` is an
//! array of `ArrayBuffer`s that the message names by slot, and `port` a `MessagePort` that
//! links the SVS-VAMANA worker with a helper. Buffers are transferred where the sender gives
//! them up.

use annlab_protocol::worker::{
    Continuation, Envelope, ListsJob, ListsRef, PruneJob, PrunedRef, ShareJob, ShareReply, Slot,
    WorkerEvent, PROTOCOL_VERSION,
};
use annlab_worker::jobs::{Buffer, Reply};
use annlab_worker::role::Buffers;
use js_sys::{Array, ArrayBuffer, Float32Array, Object, Reflect, Uint32Array, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessagePort;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, String> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| format!("could not encode a worker message: {e}"))
}

fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| format!("malformed worker message: {e}"))
}

fn message(msg: JsValue, buffers: &Array) -> Result<JsValue, String> {
    let obj = Object::new();
    Reflect::set(&obj, &"msg".into(), &msg).map_err(|_| "could not build a message")?;
    Reflect::set(&obj, &"buffers".into(), buffers).map_err(|_| "could not build a message")?;
    Ok(obj.into())
}

fn parts(data: &JsValue) -> Result<(JsValue, Vec<JsValue>), String> {
    let msg = Reflect::get(data, &"msg".into()).map_err(|_| "message without `msg`")?;
    let buffers = Reflect::get(data, &"buffers".into())
        .ok()
        .filter(Array::is_array)
        .map(|b| b.unchecked_into::<Array>().to_vec())
        .unwrap_or_default();
    Ok((msg, buffers))
}

/// Encodes a request (of any channel: a page request, a share job or reply, a
/// continuation); `buffers` are sent as they are (the caller decides what to transfer).
pub fn encode_request<T: Serialize>(
    job: u64,
    request: &T,
    buffers: &[ArrayBuffer],
) -> Result<JsValue, String> {
    let arr = Array::new();
    for b in buffers {
        arr.push(b);
    }
    message(to_js(&Envelope::new(job, request))?, &arr)
}

/// Encodes a request that hands over `port` (which must be transferred with the message).
pub fn encode_request_with_port<T: Serialize>(
    job: u64,
    request: &T,
    buffers: &[ArrayBuffer],
    port: &MessagePort,
) -> Result<JsValue, String> {
    let msg = encode_request(job, request, buffers)?;
    Reflect::set(&msg, &"port".into(), port).map_err(|_| "could not attach a port")?;
    Ok(msg)
}

fn to_array_buffers(buffers: &[Buffer]) -> Array {
    let arr = Array::new();
    for b in buffers {
        let buffer = match b {
            Buffer::F32(v) => Float32Array::from(v.as_slice()).buffer(),
            Buffer::U32(v) => Uint32Array::from(v.as_slice()).buffer(),
            Buffer::Bytes(v) => Uint8Array::from(v.as_slice()).buffer(),
        };
        arr.push(&buffer);
    }
    arr
}

/// Encodes a request between workers from owned buffers; returns the message and its
/// transfer list (every buffer: the sender no longer needs them).
pub fn encode_request_owned<T: Serialize>(
    job: u64,
    request: &T,
    buffers: &[Buffer],
) -> Result<(JsValue, Array), String> {
    let arr = to_array_buffers(buffers);
    let msg = message(to_js(&Envelope::new(job, request))?, &arr)?;
    Ok((msg, arr))
}

/// Encodes a worker event; returns the message and its transfer list (every buffer: the worker
/// no longer needs them).
pub fn encode_event(job: u64, reply: Reply) -> Result<(JsValue, Array), String> {
    let arr = to_array_buffers(&reply.buffers);
    let msg = message(to_js(&Envelope::new(job, &reply.event))?, &arr)?;
    // The sender's wasm memory rides along: the page sums them as the tab's measured peak.
    if let Some(bytes) = wasm_memory_bytes() {
        let _ = Reflect::set(&msg, &"wasm_memory".into(), &bytes.into());
    }
    Ok((msg, arr))
}

/// The byte length of this module's linear memory (it only grows, so it is the peak).
fn wasm_memory_bytes() -> Option<f64> {
    let buffer = Reflect::get(&wasm_bindgen::memory(), &"buffer".into()).ok()?;
    Reflect::get(&buffer, &"byteLength".into()).ok()?.as_f64()
}

/// The sender's wasm memory in bytes, from a worker event's message.
pub fn event_wasm_memory(data: &JsValue) -> Option<u64> {
    Reflect::get(data, &"wasm_memory".into())
        .ok()?
        .as_f64()
        .map(|b| b as u64)
}

/// A decoded request and its buffers.
pub struct Incoming<T> {
    pub job: u64,
    pub request: T,
    pub buffers: Vec<JsValue>,
    /// The port a `LinkHelper` or a helper's `Init` hands over.
    pub port: Option<MessagePort>,
}

impl<T> Incoming<T> {
    fn buffer(&self, slot: Slot) -> Result<&JsValue, String> {
        self.buffers
            .get(slot as usize)
            .ok_or_else(|| format!("buffer slot {slot} is missing"))
    }
}

impl<T> Buffers for Incoming<T> {
    fn bytes(&self, slot: Slot) -> Result<Vec<u8>, String> {
        Ok(Uint8Array::new(self.buffer(slot)?).to_vec())
    }

    fn f32s(&self, slot: Slot) -> Result<Vec<f32>, String> {
        let b = self.buffer(slot)?;
        let len = ArrayBuffer::from(b.clone()).byte_length();
        if len % 4 != 0 {
            return Err(format!("buffer slot {slot} is not a whole number of f32"));
        }
        Ok(Float32Array::new(b).to_vec())
    }

    fn u32s(&self, slot: Slot) -> Result<Vec<u32>, String> {
        let b = self.buffer(slot)?;
        let len = ArrayBuffer::from(b.clone()).byte_length();
        if len % 4 != 0 {
            return Err(format!("buffer slot {slot} is not a whole number of u32"));
        }
        Ok(Uint32Array::new(b).to_vec())
    }
}

/// Decodes a request. On failure returns the job id (0 if unknown) and the message to report.
pub fn decode_request<T: DeserializeOwned>(data: &JsValue) -> Result<Incoming<T>, (u64, String)> {
    let (msg, buffers) = parts(data).map_err(|e| (0, e))?;
    let job = Reflect::get(&msg, &"job".into())
        .ok()
        .and_then(|j| j.as_f64())
        .map_or(0, |j| j as u64);
    let v = Reflect::get(&msg, &"v".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    if v as u32 != PROTOCOL_VERSION {
        return Err((
            job,
            format!("worker protocol version {v} is not supported (expected {PROTOCOL_VERSION})"),
        ));
    }
    let envelope: Envelope<T> = from_js(msg).map_err(|e| (job, e))?;
    let port = Reflect::get(data, &"port".into())
        .ok()
        .and_then(|p| p.dyn_into::<MessagePort>().ok());
    Ok(Incoming {
        job: envelope.job,
        request: envelope.body,
        buffers,
        port,
    })
}

/// Decodes a worker event and its buffers (as `ArrayBuffer`s).
pub fn decode_event(data: &JsValue) -> Result<(u64, WorkerEvent, Vec<ArrayBuffer>), String> {
    let (msg, buffers) = parts(data)?;
    let envelope: Envelope<WorkerEvent> = from_js(msg)?;
    let buffers = buffers
        .into_iter()
        .map(|b| b.dyn_into::<ArrayBuffer>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "a worker buffer is not an ArrayBuffer".to_string())?;
    Ok((envelope.job, envelope.body, buffers))
}

/// Encodes and decodes the messages of a shared SVS build `rounds` times and drops them. The
/// request decoder is one of the largest functions of the worker (serde's visitor for every
/// request), and a shared build decodes a message per batch step: warmed up here, the
/// browser's optimising compile of it happens before a build instead of during one (see
/// [`annlab_worker::warm_up`]).
pub fn warm_up_codec(job: u64, rounds: usize) -> Result<(), String> {
    let jobs = [
        ShareJob::GenerateLists(ListsJob {
            part: 0,
            start: 0,
            end: 1,
            max_degree: 1,
            entry_point: 0,
            graph_slot: 0,
        }),
        ShareJob::PruneBackEdges(PruneJob {
            part: 0,
            alpha: 1.2,
            targets_slot: 0,
            ends_slot: 0,
            candidates_slot: 0,
        }),
    ];
    let replies = [
        ShareReply::Lists(ListsRef {
            part: 0,
            start: 0,
            end: 1,
            distance_computations: 1,
            seconds: 0.5,
            ends_slot: 0,
            ids_slot: 0,
        }),
        ShareReply::Pruned(PrunedRef {
            part: 0,
            distance_computations: 1,
            ends_slot: 0,
            ids_slot: 0,
        }),
    ];
    let buffers = [Buffer::U32(vec![0; 2])];
    for _ in 0..rounds {
        let (message, _) = encode_request_owned(job, &Continuation::Continue, &[])?;
        decode_request::<Continuation>(&message).map_err(|(_, e)| e)?;
        for request in &jobs {
            let (message, _) = encode_request_owned(job, request, &buffers)?;
            let incoming = decode_request::<ShareJob>(&message).map_err(|(_, e)| e)?;
            incoming.u32s(0)?;
        }
        for reply in &replies {
            let (message, _) = encode_request_owned(job, reply, &buffers)?;
            let incoming = decode_request::<ShareReply>(&message).map_err(|(_, e)| e)?;
            incoming.u32s(0)?;
        }
    }
    Ok(())
}

/// The page's side of [`warm_up_codec`]: encodes and decodes the events a build sends
/// (progress above all) `rounds` times and drops them, so the event decoder is optimised
/// before the first build instead of during it.
pub fn warm_up_event_codec(rounds: usize) -> Result<(), String> {
    for _ in 0..rounds {
        for event in [
            WorkerEvent::Progress {
                phase: "pass 1/2".into(),
                done: 1,
                total: 2,
            },
            WorkerEvent::Built { build_seconds: 1.0 },
            WorkerEvent::WarmedUp { seconds: 0.1 },
        ] {
            let (message, _) = encode_event(
                0,
                Reply {
                    event,
                    buffers: Vec::new(),
                },
            )?;
            decode_event(&message)?;
        }
    }
    Ok(())
}
