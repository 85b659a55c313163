//! "Fixed" means bit-for-bit identical: within a sweep, across worker counts, across processes.

mod common;

use common::*;
use seedscope::analysis::summary::summarize_conditions;
use seedscope::engine::seeds::{Condition, Source};
use seedscope::records::ResultsFile;

#[test]
fn all_fixed_gives_one_weight_hash_over_30_runs() {
    let config = default_with(&[Condition::ALL_FIXED], 30);
    let runs = sweep(&config, SEED, 2);
    assert_eq!(runs.len(), 30);
    assert_eq!(distinct(hashes(&runs)), 1, "all-fixed runs differ");
    // Not a degenerate hash: the weights moved during training.
    assert!(runs[0].final_test_metric.unwrap() > 0.6);
    assert!(runs[0].train_loss.first() > runs[0].train_loss.last());
}

#[test]
fn one_worker_and_two_workers_give_identical_records() {
    let config = default_with(
        &[
            Condition::ALL_FIXED,
            Condition::ALL_FREE,
            Condition::only(seedscope::engine::seeds::Source::Dropout),
        ],
        10,
    );
    let one = sweep(&config, SEED, 1);
    let two = sweep(&config, SEED, 2);
    let three = sweep(&config, SEED, 3);
    for other in [&two, &three] {
        assert_eq!(one.len(), other.len());
        for (a, b) in one.iter().zip(other.iter()) {
            assert_eq!(a.id(), b.id());
            assert_eq!(a.seeds, b.seeds);
            // Racing-thread runs are the only ones allowed to depend on scheduling.
            if a.replayable {
                assert_eq!(
                    a.weights_hash,
                    b.weights_hash,
                    "run {} depends on workers",
                    a.id()
                );
                assert_eq!(a.test_predictions, b.test_predictions);
            }
        }
    }
}

#[test]
fn all_fixed_is_identical_across_two_processes() {
    let dir = temp_dir("processes");
    let mut hashes_per_process = Vec::new();
    for (i, workers) in ["1", "2"].iter().enumerate() {
        let out = dir.join(format!("run{i}.json"));
        let status = binary()
            .args([
                "run",
                "--conditions",
                "all-fixed",
                "--repeats",
                "30",
                "--seed",
                "77",
            ])
            .args(["--workers", workers, "--quiet", "--out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let results = ResultsFile::load(&out).unwrap();
        assert_eq!(results.runs.len(), 30);
        hashes_per_process.push(
            results
                .runs
                .iter()
                .map(|r| r.weights_hash.clone())
                .collect::<Vec<_>>(),
        );
    }
    let all: Vec<&str> = hashes_per_process
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    assert_eq!(distinct(all), 1, "two processes disagree");
    // And the in-process engine agrees with the processes.
    let in_process = sweep(&default_with(&[Condition::ALL_FIXED], 1), 77, 1);
    assert_eq!(in_process[0].weights_hash, hashes_per_process[0][0]);
}

#[test]
fn a_different_master_seed_gives_different_fixed_weights() {
    let config = default_with(&[Condition::ALL_FIXED], 1);
    let a = sweep(&config, 1, 1);
    let b = sweep(&config, 2, 1);
    assert_ne!(a[0].weights_hash, b[0].weights_hash);
}

#[test]
fn summaries_do_not_depend_on_the_order_runs_arrive_in() {
    // Workers finish runs in no fixed order; a float mean depends on the order of its terms.
    let config = default_with(&[Condition::ALL_FREE, Condition::only(Source::Init)], 9);
    let runs = sweep(&config, SEED, 2);
    let in_order = summarize_conditions(&config.conditions, &runs);
    let mut reversed = runs.clone();
    reversed.reverse();
    let mut interleaved = runs.clone();
    interleaved.sort_by_key(|r| (r.run_index * 7) % 9);
    for arrival in [reversed, interleaved] {
        assert_eq!(summarize_conditions(&config.conditions, &arrival), in_order);
    }
    assert!(in_order.iter().all(|s| s.n == 9 && s.std.unwrap() > 0.0));
}
