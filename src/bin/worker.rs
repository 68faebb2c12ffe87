//! The Web Worker: glue between JS messages and [`annlab_worker::role::Worker`], which holds
//! the state and does the work. Loaded by Trunk's worker loader shim; one instance per index,
//! one per SVS helper and one for parsing and ground truth. A job runs to completion:
//! cancelling terminates the worker.

use std::cell::RefCell;
use std::rc::Rc;

use annlab_app::worker_codec::{self, Incoming};
use annlab_protocol::runner::Clock;
use annlab_protocol::worker::{
    Continuation, HelperRequest, IndexRequest, PageRequest, ShareJob, ShareReply, WorkerEvent,
};
use annlab_worker::jobs::Reply;
use annlab_worker::role::{Host, Inbound, Message, Outgoing, Worker};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent, MessagePort};

/// Rounds of [`worker_codec::warm_up_codec`] in a warm-up: the browser compiles the decoder
/// with its optimising tier after a few dozen messages (measured: during the first seconds of
/// a shared build without it).
const WARM_UP_CODEC_ROUNDS: usize = 100;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Which channel a message came on, and so which enum it decodes to.
#[derive(Clone, Copy)]
enum Channel {
    Page,
    /// A helper's port to its building worker: share jobs arrive.
    ToBuilder,
    /// A building worker's port to a helper: share replies arrive.
    ToHelper,
    /// The worker's channel to itself.
    Own,
}

/// A port and the handler listening on it (kept alive together).
struct Listened {
    port: MessagePort,
    _handler: Closure<dyn FnMut(MessageEvent)>,
}

#[derive(Default)]
struct Ports {
    builder: Option<Listened>,
    helpers: Vec<(usize, Listened)>,
    /// This worker's channel to itself: the end it posts to, and the one it listens on.
    own: Option<(MessagePort, Listened)>,
}

/// The worker's state and its ports, shared by the message handlers.
#[derive(Default)]
struct Glue {
    worker: RefCell<Worker>,
    ports: RefCell<Ports>,
}

fn listen(glue: &Rc<Glue>, port: MessagePort, channel: Channel) -> Listened {
    let glue = glue.clone();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        on_message(&glue, channel, &e.data());
    });
    port.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    Listened {
        port,
        _handler: handler,
    }
}

/// `performance.now()` of the worker, and posting.
struct WorkerHost<'a> {
    glue: &'a Rc<Glue>,
    performance: Option<web_sys::Performance>,
}

impl Clock for WorkerHost<'_> {
    fn now_seconds(&self) -> f64 {
        self.performance.as_ref().map_or(0.0, |p| p.now() / 1000.0)
    }

    fn resolution_seconds(&self) -> f64 {
        TIMER_RESOLUTION.with(|cached| match cached.get() {
            Some(r) => r,
            None => {
                let r = self.performance.as_ref().map_or(0.0, timer_resolution);
                cached.set(Some(r));
                r
            }
        })
    }
}

thread_local! {
    /// Measured once per worker.
    static TIMER_RESOLUTION: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// The step of `performance.now()` here, in seconds: the smallest change over a few changes
/// (Chromium: 5 µs when the page is cross-origin isolated, 100 µs when not). If the clock
/// never moved, the step browsers use without isolation.
fn timer_resolution(performance: &web_sys::Performance) -> f64 {
    let mut last = performance.now();
    let (mut step, mut changes) = (f64::INFINITY, 0);
    for _ in 0..1_000_000 {
        let t = performance.now();
        if t > last {
            step = step.min(t - last);
            last = t;
            changes += 1;
            if changes == 5 {
                break;
            }
        }
    }
    let isolated =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crossOriginIsolated"))
            .ok()
            .and_then(|v| v.as_bool());
    if step.is_finite() {
        step / 1000.0
    } else if isolated == Some(true) {
        5e-6
    } else {
        100e-6
    }
}

impl Host for WorkerHost<'_> {
    fn post(&self, out: Outgoing) -> bool {
        match send(self.glue, out) {
            Ok(()) => true,
            Err(e) => {
                web_sys::console::error_1(&format!("annlab worker: {e}").into());
                false
            }
        }
    }
}

fn post_to_page(job: u64, reply: Reply) -> Result<(), String> {
    let (message, transfer) = worker_codec::encode_event(job, reply)?;
    scope()
        .post_message_with_transfer(&message, &transfer)
        .map_err(|e| format!("postMessage failed: {e:?}"))
}

fn send(glue: &Rc<Glue>, out: Outgoing) -> Result<(), String> {
    let post = |port: &MessagePort, (message, transfer): (JsValue, js_sys::Array)| {
        port.post_message_with_transferable(&message, &transfer)
            .map_err(|e| format!("could not post to a port: {e:?}"))
    };
    match out {
        Outgoing::Page { job, reply } => post_to_page(job, *reply),
        Outgoing::Helper {
            part,
            job,
            share,
            buffers,
        } => {
            let encoded = worker_codec::encode_request_owned(job, &share, &buffers)?;
            let ports = glue.ports.borrow();
            let port = ports.helpers.iter().find(|(p, _)| *p == part);
            post(&port.ok_or("that helper is not linked")?.1.port, encoded)
        }
        Outgoing::Builder {
            job,
            reply,
            buffers,
            report_to,
        } => {
            let sent = worker_codec::encode_request_owned(job, &reply, &buffers).and_then(|m| {
                let ports = glue.ports.borrow();
                let port = ports.builder.as_ref().ok_or("this helper is not linked")?;
                post(&port.port, m)
            });
            sent.or_else(|e| {
                let message = format!("could not answer the building worker: {e}");
                post_to_page(report_to, Reply::plain(WorkerEvent::Error { message }))
            })
        }
        Outgoing::Continue { job } => {
            let (message, _) =
                worker_codec::encode_request_owned(job, &Continuation::Continue, &[])?;
            let mut ports = glue.ports.borrow_mut();
            if ports.own.is_none() {
                let channel = MessageChannel::new()
                    .map_err(|e| format!("could not open a channel: {e:?}"))?;
                ports.own = Some((channel.port1(), listen(glue, channel.port2(), Channel::Own)));
            }
            let sent = match ports.own.as_ref() {
                Some((port, _)) => port.post_message(&message).map_err(|e| format!("{e:?}")),
                None => Err("no channel".into()),
            };
            drop(ports);
            sent.or_else(|e| {
                let message = format!("could not continue the build: {e}");
                post_to_page(job, Reply::plain(WorkerEvent::Error { message }))
            })
        }
        Outgoing::Unlink { parts } => {
            let mut ports = glue.ports.borrow_mut();
            for (_, linked) in ports.helpers.iter().filter(|(p, _)| parts.contains(p)) {
                linked.port.close();
            }
            ports.helpers.retain(|(p, _)| !parts.contains(p));
            Ok(())
        }
    }
}

fn decode<T: DeserializeOwned>(
    data: &JsValue,
    wrap: impl FnOnce(T) -> Inbound,
) -> Result<(Inbound, Incoming<()>), (u64, String)> {
    let incoming = worker_codec::decode_request::<T>(data)?;
    let Incoming {
        job,
        request,
        buffers,
        port,
    } = incoming;
    let rest = Incoming {
        job,
        request: (),
        buffers,
        port,
    };
    Ok((wrap(request), rest))
}

fn on_message(glue: &Rc<Glue>, channel: Channel, data: &JsValue) {
    let decoded = match channel {
        Channel::Page => decode::<PageRequest>(data, Inbound::Page),
        Channel::ToBuilder => decode::<ShareJob>(data, Inbound::Share),
        Channel::ToHelper => decode::<ShareReply>(data, Inbound::ShareReply),
        Channel::Own => decode::<Continuation>(data, Inbound::Continue),
    };
    let (inbound, incoming) = match decoded {
        Ok(d) => d,
        Err((job, message)) => {
            let _ = post_to_page(job, Reply::plain(WorkerEvent::Error { message }));
            return;
        }
    };
    // The ports a message hands over: to a helper (building side), or to the builder.
    if let (Some(port), Inbound::Page(request)) = (incoming.port.clone(), &inbound) {
        let mut ports = glue.ports.borrow_mut();
        match request {
            PageRequest::Index(IndexRequest::LinkHelper { part }) => {
                ports.helpers.retain(|(p, _)| p != part);
                ports
                    .helpers
                    .push((*part, listen(glue, port, Channel::ToHelper)));
            }
            PageRequest::Helper(HelperRequest::Init { .. }) => {
                ports.builder = Some(listen(glue, port, Channel::ToBuilder));
            }
            _ => {}
        }
    }
    let warm_up = matches!(
        inbound,
        Inbound::Page(
            PageRequest::Index(IndexRequest::WarmUp(_))
                | PageRequest::Helper(HelperRequest::WarmUp(_))
        )
    );
    let host = WorkerHost {
        glue,
        performance: scope().performance(),
    };
    let message = Message {
        job: incoming.job,
        inbound,
        buffers: &incoming,
        has_port: incoming.port.is_some(),
    };
    let outgoing = glue.worker.borrow_mut().handle(message, &host);
    if warm_up {
        if let Err(e) = worker_codec::warm_up_codec(incoming.job, WARM_UP_CODEC_ROUNDS) {
            web_sys::console::warn_1(&format!("annlab worker: warm-up: {e}").into());
        }
    }
    for out in outgoing {
        host.post(out);
    }
}

fn main() {
    console_error_panic_hook::set_once();
    let glue = Rc::new(Glue::default());
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        on_message(&glue, Channel::Page, &e.data());
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // Installed once for the worker's lifetime (not per message), so this does not leak.
    handler.forget();
    if let Err(e) = post_to_page(0, Reply::plain(WorkerEvent::Ready)) {
        web_sys::console::error_1(&format!("annlab worker: {e}").into());
    }
}
