//! Replay: every recorded seed reproduces its run bit-for-bit, unless the run says it cannot.

mod common;

use common::*;
use seedscope::engine::replay::{ReplayVerdict, replay};
use seedscope::engine::seeds::{Condition, Source};
use seedscope::records::ResultsFile;

#[test]
fn an_all_free_run_replays_to_the_same_hash() {
    let config = default_with(&[Condition::ALL_FREE], 8);
    let runs = sweep(&config, SEED, 2);
    let replayable: Vec<_> = runs.iter().filter(|r| r.replayable).collect();
    assert!(!replayable.is_empty());
    for run in replayable.iter().take(3) {
        assert_eq!(
            replay(&config, run).unwrap(),
            ReplayVerdict::Match {
                hash: run.weights_hash.clone()
            }
        );
    }
}

#[test]
fn replay_detects_a_tampered_seed() {
    let config = default_with(&[Condition::ALL_FREE], 4);
    let runs = sweep(&config, SEED, 1);
    let mut run = runs.into_iter().find(|r| r.replayable).unwrap();
    *run.seeds.get_mut("dropout").unwrap() ^= 1;
    assert!(matches!(
        replay(&config, &run).unwrap(),
        ReplayVerdict::Mismatch { .. }
    ));
}

#[test]
fn cli_replay_matches_and_refuses_racing_runs() {
    let dir = temp_dir("replay");
    let out = dir.join("results.json");
    let status = binary()
        .args([
            "run",
            "--conditions",
            "all-free,only-threads",
            "--repeats",
            "12",
            "--seed",
            "5",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let results = ResultsFile::load(&out).unwrap();

    let good = results.runs.iter().find(|r| r.replayable).unwrap();
    let output = succeeded(
        binary()
            .arg("replay")
            .arg(&out)
            .args(["--run", &good.id().to_string()]),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("bit-for-bit"));

    let racing = results
        .runs
        .iter()
        .find(|r| r.condition == Condition::only(Source::Threads) && r.threads >= 3)
        .expect("12 draws of 1..=4 threads include one of 3 or more");
    assert!(!racing.replayable);
    let output = binary()
        .arg("replay")
        .arg(&out)
        .args(["--run", &racing.id().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not replayable") && stderr.contains("race"),
        "{stderr}"
    );

    let output = binary()
        .arg("replay")
        .arg(&out)
        .args(["--run", "999"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("out of range"));
}
