//! What an SVS index really runs as on a target (spec §1.5, §1.6, §1.10).

use crate::quant::{leanvec::effective_reduced_dim, CodecKind};

use super::params::{
    Compression, SvsParams, Target, DEFAULT_TRAINING_THRESHOLD, MAX_TRAINING_THRESHOLD,
    MIN_TRAINING_THRESHOLD,
};

/// The configuration an index runs with after Redis's target fallback and clamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveSvs {
    /// The codec built.
    pub codec: CodecKind,
    /// The compression FT.INFO reports: `NO_COMPRESSION`, `GlobalSQ8`, `LVQ4x8`, …
    pub compression_name: &'static str,
    /// TRAINING_THRESHOLD in force (default 10,240; clamped to ≤ 102,400), when compressed.
    pub training_threshold: Option<usize>,
    /// Rows the codec is trained on: min(n, threshold) when compressed, else n.
    pub training_rows: usize,
    /// LeanVec's d′, only when LeanVec really runs (Intel target).
    pub reduced_dim: Option<usize>,
    /// n < TRAINING_THRESHOLD with compression: Redis still answers by brute force from its
    /// uncompressed flat buffer; the graph shown is what it builds once the threshold is hit.
    pub redis_serves_flat_buffer: bool,
    /// Human-readable explanations of every fallback and clamp.
    pub notes: Vec<String>,
}

/// The threshold in force for a compressed index: the user value (default 10,240) clamped to
/// 1,024..=102,400 (VecSim clamps the top silently; FT.CREATE rejects values below 1,024).
pub fn effective_training_threshold(params: &SvsParams) -> usize {
    params
        .training_threshold
        .unwrap_or(DEFAULT_TRAINING_THRESHOLD)
        .clamp(MIN_TRAINING_THRESHOLD, MAX_TRAINING_THRESHOLD)
}

/// Where the TRAINING_THRESHOLD lifecycle stands for `n` indexed vectors, in plain language
/// (the app's parameter panel shows it as the threshold is typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingState {
    /// [`effective_training_threshold`], when compression is on.
    pub threshold: Option<usize>,
    pub n: usize,
    /// n < threshold: Redis would still answer from the uncompressed flat buffer.
    pub serves_flat_buffer: bool,
    pub text: String,
}

/// The training state of `params` on `target` for `n` vectors.
pub fn training_state(params: &SvsParams, n: usize, target: Target) -> TrainingState {
    let Some(c) = params.compression else {
        return TrainingState {
            threshold: None,
            n,
            serves_flat_buffer: false,
            text: if params.insertion.is_batched() {
                "No compression: nothing to train. Redis builds the graph in batches of 1,024 \
                 vectors as they arrive."
            } else {
                "No compression: nothing to train. With WORKERS 0 Redis builds the graph on the \
                 first 1,024 vectors, then inserts each later vector on its own."
            }
            .into(),
        };
    };
    let threshold = effective_training_threshold(params);
    let codec = match target {
        Target::Intel => c.redis_name().to_string(),
        Target::Generic => format!("GlobalSQ8 (asked for {})", c.redis_name()),
    };
    let serves_flat_buffer = n < threshold;
    let text = if serves_flat_buffer {
        format!(
            "{n} vectors < TRAINING_THRESHOLD {threshold}: Redis would still answer from the \
             uncompressed flat buffer (brute force). Shown here: the {codec} graph Redis builds \
             once {threshold} vectors have arrived."
        )
    } else {
        format!(
            "{n} vectors ≥ TRAINING_THRESHOLD {threshold}: Redis trains {codec} on the first \
             {threshold} vectors, then builds the compressed graph."
        )
    };
    TrainingState {
        threshold: Some(threshold),
        n,
        serves_flat_buffer,
        text,
    }
}

/// VecSim's flat-buffer trigger without compression (`SVS_VAMANA_DEFAULT_UPDATE_THRESHOLD`,
/// one 1,024-vector block). UNCERTAIN for 8.2 (v8.2.0 used 10,240): on a 50k × 128 clustered
/// set a first block of 1,024 gave recall@10 0.743 at window 10 and 10,240 gave 0.769; the live
/// 8.2.13 server gave 0.7345 with WORKERS 0, so 1,024 it is (`examples/insertion_modes.rs`).
pub const UNCOMPRESSED_TRIGGER: usize = 1_024;

/// Rows an incremental (WORKERS 0) build puts in its first, batched block: the frontend's
/// training trigger, which is TRAINING_THRESHOLD in force when compressed and
/// [`UNCOMPRESSED_TRIGGER`] otherwise (`TieredSVSIndex`'s `trainingTriggerThreshold`).
pub fn incremental_first_block(params: &SvsParams) -> usize {
    if params.compression.is_some() {
        effective_training_threshold(params)
    } else {
        UNCOMPRESSED_TRIGGER
    }
}

/// The build insertion `params` asks for, sized for the server's thresholds.
pub fn vamana_insertion(params: &SvsParams) -> crate::vamana::VamanaInsertion {
    match params.insertion {
        super::params::Insertion::Batched => crate::vamana::VamanaInsertion::Batched,
        super::params::Insertion::Incremental => crate::vamana::VamanaInsertion::Incremental {
            first_block: incremental_first_block(params),
        },
    }
}

/// The codec `target` builds for `params`: under `Generic` every compression is GlobalSQ8 and
/// REDUCE is ignored; under `Intel` the requested codec (LeanVec with REDUCE or DIM/2).
pub fn effective_codec(params: &SvsParams, dim: usize, target: Target) -> CodecKind {
    let compression = match (target, params.compression) {
        (Target::Generic, Some(_)) => Some(Compression::GlobalSq8),
        (_, c) => c,
    };
    CodecKind::from_compression(compression, params.element_type, dim, params.reduce)
}

/// Resolves the effective configuration for `n` vectors of dimension `dim`.
///
/// Note on the uncompressed case (spec §1.5): Redis also fills a flat frontend first when
/// uncompressed (1,024 vectors in HEAD; 10,240 in v8.2.0), but that is not reported as
/// `redis_serves_flat_buffer`, which is about compression training; a note says so when it
/// applies.
pub fn effective_config(params: &SvsParams, n: usize, dim: usize, target: Target) -> EffectiveSvs {
    let codec = effective_codec(params, dim, target);
    let mut notes = Vec::new();
    let compressed = params.compression.is_some();
    let training_threshold = compressed.then(|| effective_training_threshold(params));
    if let (Some(t), Some(user)) = (training_threshold, params.training_threshold) {
        if t != user {
            notes.push(format!(
                "TRAINING_THRESHOLD {user} is clamped to {t} (VecSim's maximum)"
            ));
        }
    }
    if target == Target::Generic {
        if let Some(c) = params.compression.filter(|c| *c != Compression::GlobalSq8) {
            notes.push(format!(
                "generic target: COMPRESSION {c} is built as GlobalSQ8 (LVQ/LeanVec need Intel's proprietary SVS build on an Intel CPU)"
            ));
        }
        if params.reduce.is_some() {
            notes.push("generic target: REDUCE is accepted and ignored".to_string());
        }
    }
    let reduced_dim = match codec {
        CodecKind::LeanVec4x8 { reduce } | CodecKind::LeanVec8x8 { reduce } => {
            let d = effective_reduced_dim(reduce, dim);
            if reduce >= dim {
                notes.push(format!(
                    "REDUCE {reduce} is not below DIM {dim}; Redis does not check this, annlab uses d' = {d}"
                ));
            }
            Some(d)
        }
        _ => None,
    };
    let training_rows = training_threshold.map_or(n, |t| n.min(t));
    let redis_serves_flat_buffer = training_threshold.is_some_and(|t| n < t);
    if let Some(t) = training_threshold {
        if redis_serves_flat_buffer {
            notes.push(format!(
                "n = {n} < TRAINING_THRESHOLD {t}: Redis still answers by brute force from its uncompressed flat buffer; the graph is what it builds once {t} vectors are in"
            ));
        } else {
            notes.push(format!(
                "compression trained on the first {training_rows} of {n} vectors"
            ));
        }
    } else if n < MIN_TRAINING_THRESHOLD {
        notes.push(format!(
            "uncompressed: Redis fills a flat frontend first and builds the graph at 1,024 vectors (10,240 in v8.2.0); with n = {n} it would still answer by brute force"
        ));
    }
    if params.compression == Some(Compression::GlobalSq8) {
        notes.push(
            "GlobalSQ8 is not an FT.CREATE value: it is what a generic server builds for any COMPRESSION"
                .to_string(),
        );
    }
    EffectiveSvs {
        codec,
        compression_name: codec.redis_name(),
        training_threshold,
        training_rows,
        reduced_dim,
        redis_serves_flat_buffer,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_state_follows_the_clamped_threshold() {
        let plain = training_state(&SvsParams::default(), 500, Target::Intel);
        assert_eq!((plain.threshold, plain.serves_flat_buffer), (None, false));
        assert!(plain.text.contains("in batches"), "{}", plain.text);
        let incremental = SvsParams {
            insertion: super::super::params::Insertion::Incremental,
            ..SvsParams::default()
        };
        let one_by_one = training_state(&incremental, 500, Target::Intel);
        assert!(one_by_one.text.contains("WORKERS 0"), "{}", one_by_one.text);
        let lvq = SvsParams {
            compression: Some(Compression::Lvq4x8),
            ..SvsParams::default()
        };
        let small = training_state(&lvq, 2_000, Target::Intel);
        assert_eq!(small.threshold, Some(DEFAULT_TRAINING_THRESHOLD));
        assert!(small.serves_flat_buffer);
        assert!(small.text.contains("LVQ4x8 graph"), "{}", small.text);
        let huge = SvsParams {
            training_threshold: Some(1_000_000),
            ..lvq
        };
        let big = training_state(&huge, 200_000, Target::Generic);
        assert_eq!(big.threshold, Some(MAX_TRAINING_THRESHOLD));
        assert!(!big.serves_flat_buffer);
        assert!(
            big.text.contains("GlobalSQ8 (asked for LVQ4x8)"),
            "{}",
            big.text
        );
        // The flag is the one effective_config reports.
        for (params, n) in [(lvq, 2_000), (huge, 200_000), (lvq, 20_000)] {
            assert_eq!(
                training_state(&params, n, Target::Intel).serves_flat_buffer,
                effective_config(&params, n, 16, Target::Intel).redis_serves_flat_buffer
            );
        }
    }
}
