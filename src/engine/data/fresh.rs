//! Fresh data (docs/test-set-noise.md): one large sample from a synthetic data set's own generator, on which
//! every run of an experiment is also scored. A test set of 90 points measures a run's
//! accuracy with coin-flip noise of a percentage point or more; 20,000 fresh points measure it
//! almost exactly, so the spread of the fresh scores is the spread of the model itself.
//!
//! The sample is drawn from its own seed — derived from the master seed alone, under a tag no
//! source uses — so no source can move it, and every run of an experiment (in any process,
//! shard or worker count) is scored on the same points.

use sha2::{Digest, Sha256};

use super::{Dataset, generate};
use crate::engine::data::spec::{DataConfig, DatasetKind};
use crate::engine::seeds::SourceRng;

/// Points in the fresh sample: its own coin-flip noise is then under 0.1 pp of accuracy on
/// the built-in sets, a few percent of the spreads it is there to measure.
pub const FRESH_POINTS: usize = 20_000;

/// How the fresh scores are named where they are shown: the built-in generator's sample of
/// [`FRESH_POINTS`], or, for a command, whatever it reports as `fresh_value` (its own larger
/// held-out pool, of a size seedscope does not know).
pub fn fresh_points_words(command: bool) -> String {
    if command {
        "the command's fresh data (fresh_value)".to_string()
    } else {
        format!("{FRESH_POINTS} fresh points")
    }
}

/// The data sets a fresh sample exists for: the drawn classification sets, whose generator
/// describes a whole distribution. Fixed tables and CSV files have no generator; the
/// sequence's inputs are a fixed grid and the random regression's targets are unrelated to
/// its inputs, so a fresh sample of either measures nothing the test set does not.
pub fn has_fresh_data(kind: DatasetKind) -> bool {
    matches!(
        kind,
        DatasetKind::Circles
            | DatasetKind::Moons
            | DatasetKind::Xor
            | DatasetKind::Blobs
            | DatasetKind::Spirals
    )
}

/// The fresh sample's seed for an experiment with `master_seed`.
pub fn fresh_seed(master_seed: u64) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(b"seedscope/fresh-data/v1");
    hasher.update(master_seed.to_le_bytes());
    let digest = hasher.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}

/// The fresh sample of `config`'s data set drawn from `seed`, or `None` where there is none.
pub fn fresh_sample(config: &DataConfig, seed: u64) -> Option<Dataset> {
    if !has_fresh_data(config.kind) {
        return None;
    }
    let large = DataConfig {
        samples: FRESH_POINTS,
        ..config.clone()
    };
    Some(generate(&large, &mut SourceRng::new(seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commands_fresh_scores_are_not_given_the_generators_size() {
        assert_eq!(fresh_points_words(false), "20000 fresh points");
        assert!(!fresh_points_words(true).contains("20000"));
    }

    fn circles() -> DataConfig {
        DataConfig {
            kind: DatasetKind::Circles,
            samples: 300,
            noise: 0.15,
            test_fraction: 0.3,
            split: Default::default(),
            k: 5,
            path: None,
            target: None,
            task: None,
            sha256: None,
        }
    }

    #[test]
    fn the_sample_depends_on_its_seed_only() {
        let a = fresh_sample(&circles(), fresh_seed(42)).unwrap();
        let mut fewer = circles();
        fewer.samples = 40;
        assert_eq!(a, fresh_sample(&fewer, fresh_seed(42)).unwrap());
        assert_eq!(a.len(), FRESH_POINTS);
        assert_ne!(a, fresh_sample(&circles(), fresh_seed(43)).unwrap());
    }

    #[test]
    fn tables_and_regression_generators_have_none() {
        for kind in [DatasetKind::Iris, DatasetKind::Csv, DatasetKind::Sequence] {
            let config = DataConfig { kind, ..circles() };
            assert!(fresh_sample(&config, 1).is_none(), "{kind:?}");
        }
    }
}
