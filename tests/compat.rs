//! Files and stores written by an earlier build (30879cb, the last build before the record
//! was typed) read back unchanged, and the same sweeps trained now give the same runs: the
//! contract with every results file and run store already on users' disks.
//!
//! The fixtures in tests/fixtures/30879cb/ were written by that build:
//! `seedscope run --seed 42 --repeats 3 --store runs.sqlite --out results.json --csv runs.csv`
//! and `seedscope run --seed 7 --preset sequence --repeats 2 --conditions
//! all-fixed,all-free,only-init --store runs.sqlite --out sequence.json`.

mod common;

use std::path::PathBuf;

use seedscope::engine::record::RunRecord;
use seedscope::records::store::RunStore;
use seedscope::records::{ResultsFile, runs_csv};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/30879cb")
        .join(name)
}

#[test]
fn an_old_results_file_reads_back_byte_for_byte() {
    for name in ["results.json", "sequence.json"] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let results = ResultsFile::load(&fixture(name)).unwrap();
        assert_eq!(results.to_json(), text, "{name} did not round-trip");
    }
    let results = ResultsFile::load(&fixture("results.json")).unwrap();
    assert_eq!(
        runs_csv(&results.runs),
        std::fs::read_to_string(fixture("runs.csv")).unwrap()
    );
}

#[test]
fn an_old_store_gives_back_the_runs_it_was_given() {
    let dir = common::temp_dir("compat-store");
    let copy = dir.join("runs.sqlite");
    std::fs::copy(fixture("runs.sqlite"), &copy).unwrap();
    let store = RunStore::open(&copy).unwrap();
    for name in ["results.json", "sequence.json"] {
        let results = ResultsFile::load(&fixture(name)).unwrap();
        // Found by its settings' hash and seed, whatever CPU wrote it: the engine fingerprint
        // names the CPU's vector features (this fixture's: avx512f), and what is tested here
        // is that the old rows decode to the same records, on any machine.
        let hash = seedscope::records::store::settings_hash(&results.config);
        let entry = store
            .history()
            .unwrap()
            .into_iter()
            .find(|e| e.key.settings_hash == hash && e.key.master_seed == results.master_seed)
            .unwrap_or_else(|| panic!("{name}: the settings hash of its experiment changed"));
        let stored = store.runs(entry.id).unwrap();
        assert_eq!(stored.len(), results.runs.len(), "{name}");
        let as_json = |runs: &[RunRecord]| serde_json::to_string(runs).unwrap();
        let mut stored = stored;
        seedscope::engine::sweep::sort_into_sweep_order(&results.config.conditions, &mut stored);
        assert_eq!(as_json(&stored), as_json(&results.runs), "{name}");
    }
}

/// The same sweep trained by this build: every record equal but its wall time, and the
/// racing runs' weights (a race is a sample, recorded as not replayable); the summaries of
/// every deterministic condition equal.
#[test]
fn the_same_sweeps_trained_now_give_the_same_runs() {
    for name in ["results.json", "sequence.json"] {
        let old = ResultsFile::load(&fixture(name)).unwrap();
        let runs = common::sweep(&old.config, old.master_seed, 2);
        let mut runs = runs;
        seedscope::engine::sweep::sort_into_sweep_order(&old.config.conditions, &mut runs);
        assert_eq!(runs.len(), old.runs.len());
        let comparable = |run: &RunRecord| {
            let mut value = serde_json::to_value(run).unwrap();
            value["wall_ms"] = serde_json::json!(0);
            if run.racing {
                for field in [
                    "weights_hash",
                    "train_loss",
                    "test_metric",
                    "final_train_metric",
                    "final_test_metric",
                    "test_predictions",
                    "test_errors",
                    "fresh_metric",
                    "grid",
                    "fingerprints",
                    "threads",
                    "seeds",
                ] {
                    value[field] = serde_json::Value::Null;
                }
            }
            value
        };
        for (new, old) in runs.iter().zip(&old.runs) {
            assert_eq!(comparable(new), comparable(old), "{name}: run {}", old.id());
        }
        let now = ResultsFile::new(
            old.config.clone(),
            old.master_seed,
            &old.seed_origin,
            runs,
            false,
        );
        for (new, old) in now.summary.iter().zip(&old.summary) {
            if now
                .runs
                .iter()
                .any(|r| r.condition == old.condition && r.racing)
            {
                continue;
            }
            assert_eq!(
                serde_json::to_value(new).unwrap(),
                serde_json::to_value(old).unwrap(),
                "{name}: summary of {}",
                old.condition
            );
        }
    }
}
