//! When may a stored run stand in for training it again? Only when this binary would reproduce
//! it bit for bit: the same settings that affect training, the same master seed, and the same
//! engine (crate version, numerics version, and the CPU features gemm picks kernels by).

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::engine::config::ExperimentConfig;
use crate::engine::digest::hex;

/// Bump whenever a change to the engine changes any run's numbers (weights, metrics, draws):
/// every run stored by an older build is then a miss, never a wrong answer.
/// 2: runs record their per-point test errors and their fresh-data score (docs/test-set-noise.md); runs
/// stored before have neither, so they are trained again rather than shown half-measured.
/// 3: the fresh-data score sums with fused multiply-adds (same bits on every CPU, half the
/// instructions); a fresh score stored by version 2 may differ in its last point.
/// 4: training steps through the fused multi-run kernel (`engine::fused`): every sum in a new
/// fixed order with fused multiply-adds, so every trained weight differs from version 3's.
/// 5: the loss in f32 across a pack's lanes with seedscope's own `exp` and `ln`
/// (`fused/lane_loss.rs`), and dropout decided from a byte of the stream per unit rather than
/// a word (`dropout::draw_lane_bits`: the same keep probability, a different draw).
/// 6: trained weights are scored (each epoch's test metric, the final outputs, the decision
/// grid) by seedscope's own forward pass (`train/evaluation.rs`) rather than candle's matmul:
/// the same weights, but a regression metric may differ from version 5's in its last bits.
pub const NUMERICS_VERSION: u32 = 6;

/// The identity of an experiment in the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExperimentKey {
    /// SHA-256 of the settings that affect training ([`settings_hash`]).
    pub settings_hash: String,
    pub master_seed: u64,
    /// [`engine_fingerprint`] of the build that trained the runs.
    pub fingerprint: String,
}

impl ExperimentKey {
    /// The key of `config` at `master_seed`, for this build on this CPU.
    pub fn new(config: &ExperimentConfig, master_seed: u64) -> ExperimentKey {
        ExperimentKey {
            settings_hash: settings_hash(config),
            master_seed,
            fingerprint: engine_fingerprint(),
        }
    }
}

/// A canonical hash of every setting that changes what a run computes. Left out: the name
/// and description (labels), `repeats` and `conditions` (which runs to train, not how one
/// run goes), and the schema version (the file format). serde_json's map is ordered by key,
/// and floats print as their shortest round-trip text, so equal settings give equal bytes.
///
/// A command's experiment is its command (argv, working directory, environment, time limit
/// and the content hashes of its input files): the built-in sections it does not train are
/// left out, so a new default there does not make its stored runs a miss.
pub fn settings_hash(config: &ExperimentConfig) -> String {
    let mut value = serde_json::to_value(config).expect("a config serialises");
    if let Value::Object(map) = &mut value
        && map.contains_key("command")
    {
        for section in ["data", "model", "training", "threads"] {
            map.remove(section);
        }
    }
    if let Value::Object(map) = &mut value {
        for label in [
            "name",
            "description",
            "repeats",
            "conditions",
            "schema_version",
        ] {
            map.remove(label);
        }
    }
    let canonical = serde_json::to_string(&value).expect("a value serialises");
    hex(&Sha256::digest(canonical.as_bytes()))
}

/// The CPU features gemm chooses its kernels by: runs are bitwise reproducible only on a CPU
/// where it makes the same choice.
pub fn cpu_kind() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let mut kind = String::from("x86_64");
        if std::arch::is_x86_feature_detected!("avx512f") {
            kind.push_str("+avx512f");
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            kind.push_str("+avx2");
        }
        if std::arch::is_x86_feature_detected!("fma") {
            kind.push_str("+fma");
        }
        kind
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH.to_string()
    }
}

/// `seedscope <version> numerics <n> <cpu kind>`.
pub fn engine_fingerprint() -> String {
    format!(
        "seedscope {} numerics {NUMERICS_VERSION} {}",
        env!("CARGO_PKG_VERSION"),
        cpu_kind()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets;
    use crate::engine::seeds::Condition;

    #[test]
    fn labels_and_run_selection_do_not_change_the_hash_but_training_settings_do() {
        let config = presets::default_config();
        let mut relabelled = config.clone();
        relabelled.name = "other".into();
        relabelled.description = "another description".into();
        relabelled.repeats = 50;
        relabelled.conditions = vec![Condition::ALL_FIXED];
        assert_eq!(settings_hash(&config), settings_hash(&relabelled));

        let mut faster = config.clone();
        faster.training.learning_rate *= 2.0;
        assert_ne!(settings_hash(&config), settings_hash(&faster));
        let mut wider = config.clone();
        wider.model.hidden.push(4);
        assert_ne!(settings_hash(&config), settings_hash(&wider));
    }
}
