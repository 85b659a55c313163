//! The two lessons: candle's hidden RNG and the one-ULP nudge.

mod common;

use common::*;
use seedscope::engine::seeds::Condition;

#[test]
fn library_rng_differs_with_every_seed_fixed() {
    let runs = sweep(&default_with(&[Condition::LIBRARY_RNG], 2), SEED, 1);
    assert_eq!(runs[0].seeds, runs[1].seeds, "every seed is the same");
    assert_ne!(runs[0].fingerprints.init, runs[1].fingerprints.init);
    assert_ne!(runs[0].weights_hash, runs[1].weights_hash);
    assert!(runs.iter().all(|r| !r.replayable));
}

/// A one-ULP nudge nearly always ends somewhere else, and every nudged run that does ends
/// somewhere of its own. Not always: when the nudged weight's unit is silent on the first
/// mini-batch, the first Adam step (about ±lr) can carry the weight into a wider binade and
/// round the ULP away — then the run trains exactly as all-fixed does. With the fused
/// kernel's numerics (NUMERICS_VERSION 4 and 5) that can happen to one or two of these six.
#[test]
fn a_one_ulp_nudge_changes_the_trained_weights() {
    let config = default_with(&[Condition::ALL_FIXED, Condition::NUDGE], 6);
    let runs = sweep(&config, SEED, 2);
    let fixed = runs.iter().find(|r| r.condition == "all-fixed").unwrap();
    let nudged: Vec<_> = runs.iter().filter(|r| r.condition == "nudge").collect();
    for run in &nudged {
        assert_eq!(run.seeds, fixed.seeds, "the nudge changes no seed");
        assert_eq!(run.nudged_weight, Some(run.run_index));
        // The fingerprint is of the initial weights before the nudge, so it is equal.
        assert_eq!(run.fingerprints.init, fixed.fingerprints.init);
    }
    let moved: Vec<&str> = nudged
        .iter()
        .map(|r| r.weights_hash.as_str())
        .filter(|hash| *hash != fixed.weights_hash)
        .collect();
    assert!(
        moved.len() + 1 >= nudged.len(),
        "{} of {} moved",
        moved.len(),
        nudged.len()
    );
    assert_eq!(distinct(moved.iter().copied()), moved.len());
}
