//! Bounded property runs: random and mutated inputs never panic in any parser, never allocate
//! more than a bound, and respect the size limits.
//!
//! Allocation is measured by a counting global allocator with per-thread counters (tests run
//! on several threads). Budget: 3,000 cases in total, a few seconds in the test profile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use annlab_formats::{
    detect, parse_neighbors, parse_projector_metadata, parse_vectors, write_fvecs, write_npy,
    Format, FormatError, ParseOptions,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

struct CountingAllocator;

thread_local! {
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn track(grow: usize, shrink: usize) {
    // `try_with` so allocations during thread teardown are simply not counted.
    let _ = CURRENT.try_with(|current| {
        let now = current.get().saturating_add(grow).saturating_sub(shrink);
        current.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            track(layout.size(), 0);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        track(0, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            track(new_size, layout.size());
        }
        new
    }
}

/// Inputs fed through [`exercise`] by this test binary (printed by the soak runs).
static EXERCISED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` and returns the peak number of bytes it had allocated on this thread.
fn peak_allocation(f: impl FnOnce()) -> usize {
    let start = CURRENT.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    f();
    PEAK.with(Cell::get).saturating_sub(start)
}

/// A generous bound for small inputs: any allocation sized from a declared (not actual) length
/// would exceed it by orders of magnitude.
fn allocation_bound(input_len: usize) -> usize {
    (1 << 20) + 256 * input_len
}

const ALL_FORMATS: [Format; 8] = [
    Format::Npy,
    Format::Fvecs,
    Format::Bvecs,
    Format::Ivecs,
    Format::Json,
    Format::Csv,
    Format::Tsv,
    Format::Unknown,
];

/// Feeds `bytes` to every parser under default and tight options; checks limits and memory.
fn exercise(bytes: &[u8]) -> Result<(), TestCaseError> {
    EXERCISED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tight = ParseOptions::with_limits(256, 64);
    let peak = peak_allocation(|| {
        let _ = detect("x", bytes);
        for format in ALL_FORMATS {
            for options in [ParseOptions::default(), tight.clone()] {
                match parse_vectors(format, bytes, &options) {
                    Ok(file) => {
                        assert_eq!(file.data.len(), file.rows * file.dim);
                        assert!(file.rows > 0 && file.dim > 0);
                        assert!(file.data.len() as u64 <= options.max_values);
                        let _ = annlab_formats::inspect(&file)
                            .findings(annlab_formats::MetricKind::Cosine);
                    }
                    Err(err) => {
                        let _ = err.to_string();
                    }
                }
                if let Ok(gt) = parse_neighbors(format, bytes, &options) {
                    assert!(gt.ids.iter().all(|row| row.len() == gt.k));
                }
            }
            if bytes.len() > 256 {
                let err = parse_vectors(format, bytes, &tight).unwrap_err();
                assert!(
                    matches!(
                        err,
                        FormatError::TooLarge { .. } | FormatError::UnknownFormat { .. }
                    ),
                    "{format}: {err}"
                );
            }
        }
        for rows in [1, 3] {
            let _ = parse_projector_metadata(bytes, rows);
        }
    });
    prop_assert!(
        peak <= allocation_bound(bytes.len()),
        "peak allocation {peak} bytes for a {}-byte input",
        bytes.len()
    );
    Ok(())
}

fn report_progress() {
    let count = EXERCISED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{count} inputs exercised so far (each through every parser)");
}

fn valid_samples() -> Vec<Vec<u8>> {
    let f32s: Vec<u8> = (0..12)
        .flat_map(|i| (i as f32 * 0.25).to_le_bytes())
        .collect();
    let i32s: Vec<u8> = (0..12i32).flat_map(|i| i.to_le_bytes()).collect();
    let mut ivecs = Vec::new();
    for row in i32s.chunks(16) {
        ivecs.extend_from_slice(&4i32.to_le_bytes());
        ivecs.extend_from_slice(row);
    }
    vec![
        write_npy("<f4", &[3, 4], false, &f32s),
        write_npy("<i4", &[3, 4], true, &i32s),
        write_npy("|u1", &[12], false, &[7; 12]),
        write_fvecs(4, &[0.5; 12]),
        ivecs,
        b"[[1, 2, 3], [4.5, -6, 7e-3]]".to_vec(),
        br#"[{"id": "a", "vector": [1, 2], "title": "x", "n": 1}, {"id": "b", "vector": [3, 4], "title": "y", "n": null}]"#.to_vec(),
        b"id,text,x,y\na,\"q, r\",1,2\nb,s,3,4\n".to_vec(),
        b"1\t2\t3\n4\t5\t6\n".to_vec(),
    ]
}

/// A mutation of a valid file: truncate, flip a byte, overwrite 4 bytes, or splice bytes in.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Set(usize, u8),
    SetI32(usize, i32),
    Insert(usize, Vec<u8>),
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Set(at, b) => {
                if let Some(slot) = bytes.get_mut(at % len) {
                    *slot = *b;
                }
            }
            Mutation::SetI32(at, v) => {
                let at = at % len;
                for (i, b) in v.to_le_bytes().into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + i) {
                        *slot = b;
                    }
                }
            }
            Mutation::Insert(at, extra) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, extra.iter().copied());
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting_i32 = prop_oneof![
        Just(0),
        Just(-1),
        Just(i32::MAX),
        Just(i32::MIN),
        Just(1 << 20),
        any::<i32>()
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<usize>(), interesting_i32).prop_map(|(at, v)| Mutation::SetI32(at, v)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, extra)| Mutation::Insert(at, extra)),
    ]
}

/// A runner with a fixed seed (so failures reproduce; proptest still shrinks and prints the
/// input). For a longer soak, set `ANNLAB_FORMATS_SCALE=100` (multiplies the case counts) and
/// `ANNLAB_FORMATS_SEED=<0..255>` to explore other inputs.
fn runner(cases: u32) -> TestRunner {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u32>().ok());
    let scale = env("ANNLAB_FORMATS_SCALE").unwrap_or(1).max(1);
    let seed = env("ANNLAB_FORMATS_SEED").unwrap_or(42) as u8;
    let config = Config {
        cases: cases.saturating_mul(scale),
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

#[test]
fn random_bytes_never_panic() {
    let strategy = prop::collection::vec(any::<u8>(), 0..600);
    runner(1000)
        .run(&strategy, |bytes| exercise(&bytes))
        .unwrap();
    report_progress();
}

#[test]
fn mutated_valid_files_never_panic() {
    let samples = valid_samples();
    let strategy = (0..samples.len(), prop::collection::vec(mutation(), 1..4));
    runner(1500)
        .run(&strategy, |(index, mutations)| {
            exercise(&apply(samples[index].clone(), &mutations))
        })
        .unwrap();
    report_progress();
}

#[test]
fn random_npy_headers_never_panic() {
    let alphabet: Vec<char> =
        "{}()[]:,'\" 0123456789<>|fiuc TrueFalseNone descr shape fortran_order L\n\\"
            .chars()
            .collect();
    let text = prop::collection::vec(prop::sample::select(alphabet), 0..120)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    let strategy = (text, prop::collection::vec(any::<u8>(), 0..64), 1u8..4);
    runner(500)
        .run(&strategy, |(header, data, version)| {
            let mut bytes = b"\x93NUMPY".to_vec();
            bytes.extend_from_slice(&[version, 0]);
            if version == 1 {
                bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
            } else {
                bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
            }
            bytes.extend_from_slice(header.as_bytes());
            bytes.extend_from_slice(&data);
            exercise(&bytes)
        })
        .unwrap();
    report_progress();
}

#[test]
fn declared_sizes_are_checked_before_allocating() {
    // Valid headers claiming enormous shapes with tiny data: no allocation near the claim.
    for shape in [[1usize << 30, 1 << 20], [usize::MAX / 2, 3], [3, 1 << 40]] {
        let bytes = write_npy("<f4", &shape, false, &[0; 64]);
        let peak = peak_allocation(|| {
            let err = parse_vectors(Format::Npy, &bytes, &ParseOptions::default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    FormatError::DeclaredShapeTooLarge { .. } | FormatError::ShapeOverflow { .. }
                ),
                "{shape:?}: {err}"
            );
        });
        assert!(peak < 1 << 16, "{shape:?}: peak {peak}");
    }
}

#[test]
fn allocation_counter_sees_allocations() {
    let peak = peak_allocation(|| {
        let buffer = vec![1u8; 1 << 20];
        assert_eq!(buffer.len(), 1 << 20);
    });
    assert!(peak >= 1 << 20, "peak {peak}");
}
