//! The run store: nothing trained twice, nothing finished lost, and no stored run reused where
//! this binary would not reproduce it bit for bit.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::AtomicBool;

use common::*;
use seedscope::engine::config::ExperimentConfig;
use seedscope::engine::record::RunRecord;
use seedscope::engine::sweep::{SweepEvent, SweepSpec, run_sweep};
use seedscope::records::ResultsFile;
use seedscope::records::store::{
    ExperimentKey, NUMERICS_VERSION, RunStore, StoreError, sweep_pairs,
};

/// `seedscope ARGS… --store STORE`, with the store switched on (the common helper turns it off).
fn with_store(store: &Path, args: &[&str]) -> Output {
    binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap()
}

/// `seedscope export ID --out OUT` from `store`, which must succeed; the exported file.
fn export(store: &Path, id: &str, out: &Path) -> ResultsFile {
    let output = with_store(store, &["export", id, "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    ResultsFile::load(out).unwrap()
}

/// A 16-run sweep (8 conditions × 2) that may fail: the store is what is being tested.
fn tiny_run(store: &Path, out: &Path) -> Output {
    let out = out.to_str().unwrap();
    with_store(
        store,
        &["run", "--seed", "1", "--repeats", "2", "--out", out],
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A small sweep through the CLI: 8 conditions × `repeats` runs of the default preset.
fn run_cli(store: &Path, out: &Path, seed: &str, repeats: usize, extra: &[&str]) -> Output {
    let repeats = repeats.to_string();
    let mut args = vec![
        "run",
        "--quiet",
        "--seed",
        seed,
        "--repeats",
        &repeats,
        "--out",
    ];
    let out = out.to_str().unwrap();
    args.push(out);
    args.extend_from_slice(extra);
    let output = with_store(store, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

/// "… (T trained, S from the store; …)" → (T, S).
fn trained_and_stored(output: &Output) -> (usize, usize) {
    let text = stdout(output);
    let line = text
        .lines()
        .find(|l| l.contains(" trained, "))
        .unwrap_or_else(|| panic!("no summary line in {text}"));
    let inside = &line[line.find('(').unwrap() + 1..];
    let trained: usize = inside.split(' ').next().unwrap().parse().unwrap();
    let stored_part = &inside[inside.find("trained, ").unwrap() + 9..];
    let stored: usize = stored_part.split(' ').next().unwrap().parse().unwrap();
    (trained, stored)
}

/// Runs keyed by (condition, index).
fn by_id(
    runs: &[RunRecord],
) -> std::collections::HashMap<seedscope::engine::record::RunId, &RunRecord> {
    runs.iter().map(|r| (r.id(), r)).collect()
}

/// Everything a run computed (not its wall time).
fn same_result(a: &RunRecord, b: &RunRecord) -> bool {
    a.weights_hash == b.weights_hash
        && a.test_predictions == b.test_predictions
        && a.train_loss == b.train_loss
        && a.test_metric == b.test_metric
        && a.grid == b.grid
        && a.seeds == b.seeds
        && a.final_test_metric.map(f64::to_bits) == b.final_test_metric.map(f64::to_bits)
}

#[test]
fn the_same_sweep_again_trains_nothing_and_gives_the_same_records() {
    let dir = temp_dir("store-again");
    let store = dir.join("runs.sqlite");
    let first = run_cli(&store, &dir.join("a.json"), "5", 4, &[]);
    assert_eq!(trained_and_stored(&first), (32, 0));
    let second = run_cli(&store, &dir.join("b.json"), "5", 4, &[]);
    assert_eq!(trained_and_stored(&second), (0, 32), "{}", stdout(&second));
    let a = ResultsFile::load(&dir.join("a.json")).unwrap();
    let b = ResultsFile::load(&dir.join("b.json")).unwrap();
    assert_eq!(a.runs.len(), b.runs.len());
    for (x, y) in a.runs.iter().zip(&b.runs) {
        assert_eq!(x, y, "a stored record differs from the one trained");
    }
    assert_eq!(a.summary, b.summary);
}

#[test]
fn raising_repeats_trains_only_the_new_runs() {
    let dir = temp_dir("store-repeats");
    let store = dir.join("runs.sqlite");
    run_cli(&store, &dir.join("a.json"), "6", 3, &[]);
    let more = run_cli(&store, &dir.join("b.json"), "6", 5, &[]);
    // 8 conditions × 2 new repeats.
    assert_eq!(trained_and_stored(&more), (16, 24));
    let a = ResultsFile::load(&dir.join("a.json")).unwrap();
    let b = ResultsFile::load(&dir.join("b.json")).unwrap();
    let later = by_id(&b.runs);
    for run in &a.runs {
        assert_eq!(run, later[&run.id()]);
    }
    let per_condition = b.runs.iter().filter(|r| r.condition == "all-free").count();
    assert_eq!(per_condition, 5);
}

#[test]
fn a_stored_run_equals_the_same_run_trained_fresh() {
    let dir = temp_dir("store-fresh");
    let store = dir.join("runs.sqlite");
    run_cli(&store, &dir.join("a.json"), "7", 3, &[]);
    let from_store = run_cli(&store, &dir.join("b.json"), "7", 3, &[]);
    assert_eq!(trained_and_stored(&from_store).0, 0);
    let fresh = run_cli(&store, &dir.join("c.json"), "7", 3, &["--no-store"]);
    assert!(
        !stdout(&fresh).contains("from the store ("),
        "--no-store used the store"
    );
    let stored = ResultsFile::load(&dir.join("b.json")).unwrap();
    let trained = ResultsFile::load(&dir.join("c.json")).unwrap();
    let trained = by_id(&trained.runs);
    let mut compared = 0;
    for run in stored.runs.iter().filter(|r| r.replayable) {
        let again = trained[&run.id()];
        assert!(same_result(run, again), "{} differs", run.id());
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} replayable runs compared");
}

#[test]
fn a_changed_setting_or_seed_never_hits_the_cache() {
    let dir = temp_dir("store-miss");
    let store = dir.join("runs.sqlite");
    let config = dir.join("config.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap();
    run_cli(&store, &dir.join("a.json"), "8", 2, &[]);

    value["training"]["learning_rate"] = 0.02.into();
    std::fs::write(&config, value.to_string()).unwrap();
    let other_rate = run_cli(
        &store,
        &dir.join("b.json"),
        "8",
        2,
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(trained_and_stored(&other_rate), (16, 0));
    let other_seed = run_cli(&store, &dir.join("c.json"), "9", 2, &[]);
    assert_eq!(trained_and_stored(&other_seed), (16, 0));
    // A name or description is a label, not a setting: that is a hit.
    value["training"]["learning_rate"] = 0.01.into();
    value["name"] = "renamed".into();
    std::fs::write(&config, value.to_string()).unwrap();
    let renamed = run_cli(
        &store,
        &dir.join("d.json"),
        "8",
        2,
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(trained_and_stored(&renamed), (0, 16));
}

#[test]
fn another_engine_fingerprint_never_hits_the_cache() {
    let dir = temp_dir("store-fingerprint");
    let mut store = RunStore::open(&dir.join("runs.sqlite")).unwrap();
    let config = small_config();
    let id = store.register(&config, 3).unwrap();
    let runs = sweep(&config, 3, &HashSet::new()).1;
    store.insert(id, &runs, false).unwrap();
    let key = ExperimentKey::new(&config, 3);
    assert_eq!(store.find(&key).unwrap(), Some(id));
    assert_eq!(store.lookup_sweep(&config, 3).unwrap().len(), runs.len());
    for fingerprint in [
        key.fingerprint.replace(
            &format!("numerics {NUMERICS_VERSION}"),
            &format!("numerics {}", NUMERICS_VERSION + 1),
        ),
        key.fingerprint.replace("seedscope ", "seedscope 9."),
        format!("{} other-cpu", key.fingerprint),
    ] {
        let other = ExperimentKey {
            fingerprint,
            ..key.clone()
        };
        assert_eq!(store.find(&other).unwrap(), None, "{other:?} hit");
    }
}

fn small_config() -> ExperimentConfig {
    let mut config = seedscope::engine::presets::default_config();
    config.data.samples = 60;
    config.training.epochs = 3;
    config.repeats = 3;
    config
}

/// A sweep skipping `skip`; returns how many runs were trained (counted from the events)
/// and the runs.
fn sweep(
    config: &ExperimentConfig,
    seed: u64,
    skip: &HashSet<seedscope::engine::record::RunId>,
) -> (usize, Vec<RunRecord>) {
    let mut spec = SweepSpec::new(config.clone(), seed, 2);
    spec.skip = skip.clone();
    let mut trained = 0;
    let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |event| {
        if matches!(event, SweepEvent::RunFinished(_)) {
            trained += 1;
        }
    });
    (trained, outcome.runs)
}

#[test]
fn a_sweep_over_stored_runs_trains_none_counted_by_its_events() {
    let dir = temp_dir("store-events");
    let mut store = RunStore::open(&dir.join("runs.sqlite")).unwrap();
    let config = small_config();
    let id = store.register(&config, 11).unwrap();
    let (trained, runs) = sweep(&config, 11, &HashSet::new());
    assert_eq!(trained, sweep_pairs(&config).len());
    store.insert(id, &runs, false).unwrap();
    let stored = store.lookup(id, &sweep_pairs(&config)).unwrap();
    let skip: HashSet<_> = stored.iter().map(|r| r.id()).collect();
    let (trained_again, none) = sweep(&config, 11, &skip);
    assert_eq!((trained_again, none.len()), (0, 0));
    assert_eq!(stored, runs);
}

#[test]
fn runs_to_train_counts_the_runs_the_sweep_plans_ignoring_foreign_skips() {
    let config = small_config();
    let mut spec = SweepSpec::new(config.clone(), 11, 2);
    let pairs = sweep_pairs(&config);
    spec.skip = pairs.iter().step_by(3).cloned().collect();
    // Pairs that are not this sweep's: another condition, a run index past `repeats`.
    let foreign = seedscope::engine::seeds::Condition::NUDGE;
    assert!(!config.conditions.contains(&foreign));
    spec.skip
        .insert(seedscope::engine::record::RunId::new(foreign, 0));
    spec.skip.insert(seedscope::engine::record::RunId::new(
        pairs[0].condition,
        config.repeats + 5,
    ));
    let planned: usize = seedscope::engine::sweep::jobs_skipping(&config, 11, &spec.skip)
        .iter()
        .map(|job| job.run_indices.len())
        .sum();
    assert_eq!(spec.runs_to_train(), planned);
    assert_eq!(planned, pairs.len() - pairs.iter().step_by(3).count());
}

#[test]
fn a_killed_run_keeps_every_run_it_reported_finished() {
    let dir = temp_dir("store-kill");
    let store = dir.join("runs.sqlite");
    // 8 conditions × 30 runs of 100 epochs: long enough to kill in the middle.
    let mut child = binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .args([
            "run",
            "--seed",
            "12",
            "--preset",
            "reference",
            "--workers",
            "2",
        ])
        .arg("--out")
        .arg(dir.join("never.json"))
        .arg("--store")
        .arg(&store)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Progress lines, "24/240 runs", come after the runs are written.
    let mut reported = 0usize;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        // "24/240 runs, 1.2 s elapsed, about 10 s left"
        if let Some(done) = line
            .split_once(" runs")
            .and_then(|(count, _)| count.split('/').next())
            .filter(|done| done.parse::<usize>().is_ok())
        {
            reported = done.parse().unwrap();
            break;
        }
    }
    // SIGKILL: no destructor, no flush, no chance to finish a transaction.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        reported > 0,
        "the run reported no progress before it was killed"
    );
    assert!(!dir.join("never.json").exists());

    let history = with_store(&store, &["history"]);
    assert!(history.status.success(), "{}", stderr(&history));
    let kept = export(&store, "1", &dir.join("kept.json"));
    assert!(
        kept.runs.len() >= reported && kept.runs.len() < 240,
        "{} runs kept, {reported} reported finished",
        kept.runs.len()
    );
    for run in &kept.runs {
        assert_eq!(run.weights_hash.len(), 64, "{}", run.id());
        assert!(
            run.final_test_metric.is_some() || run.diverged,
            "{}",
            run.id()
        );
    }
    // A kept run replays bit for bit.
    let replayable = kept.runs.iter().position(|r| r.replayable).unwrap();
    let replay = binary()
        .args(["replay", dir.join("kept.json").to_str().unwrap(), "--run"])
        .arg(replayable.to_string())
        .output()
        .unwrap();
    assert!(replay.status.success(), "{}", stderr(&replay));
}

#[test]
fn two_processes_writing_one_store_both_finish_without_duplicates() {
    let dir = temp_dir("store-concurrent");
    let store = dir.join("runs.sqlite");
    let spawn = |out: &str| {
        binary()
            .env_remove("SEEDSCOPE_NO_STORE")
            .args([
                "run",
                "--quiet",
                "--seed",
                "13",
                "--repeats",
                "6",
                "--workers",
                "1",
            ])
            .arg("--out")
            .arg(dir.join(out))
            .arg("--store")
            .arg(&store)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a.json"), spawn("b.json"));
    for child in [a, b] {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
    }
    let all = export(&store, "1", &dir.join("all.json"));
    let ids: HashSet<_> = all.runs.iter().map(|r| r.id()).collect();
    assert_eq!((all.runs.len(), ids.len()), (48, 48));
    let a = ResultsFile::load(&dir.join("a.json")).unwrap();
    let kept = by_id(&all.runs);
    for run in a.runs.iter().filter(|r| r.replayable) {
        assert!(same_result(run, kept[&run.id()]));
    }
}

fn assert_refused(output: &Output, says: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(stderr(output).contains(says), "{}", stderr(output));
}

#[test]
fn a_corrupt_store_is_refused_by_the_cli_and_set_aside_by_the_app() {
    let dir = temp_dir("store-corrupt");
    let store = dir.join("runs.sqlite");
    std::fs::write(
        &store,
        b"this is not a database, it is a grocery list\n".repeat(200),
    )
    .unwrap();
    let output = tiny_run(&store, &dir.join("a.json"));
    assert_refused(&output, "not a readable run store");
    assert!(stderr(&output).contains("--no-store"));
    assert!(!dir.join("a.json").exists());
    // --no-store runs anyway.
    let anyway = binary()
        .args([
            "run",
            "--seed",
            "1",
            "--repeats",
            "2",
            "--no-store",
            "--out",
        ])
        .arg(dir.join("a.json"))
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert!(anyway.status.success(), "{}", stderr(&anyway));

    // The app's way: move the file aside, say where, start afresh.
    let (mut fresh, notice) = RunStore::open_or_recover(&store).unwrap();
    let notice = notice.expect("the app is told");
    let moved: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("runs.sqlite.corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "{notice}");
    assert!(notice.contains(&moved[0].display().to_string()), "{notice}");
    assert!(
        std::fs::read(&moved[0])
            .unwrap()
            .starts_with(b"this is not a database")
    );
    let id = fresh.register(&small_config(), 1).unwrap();
    assert_eq!(fresh.runs(id).unwrap().len(), 0);
}

#[test]
fn a_store_from_a_newer_seedscope_is_refused_not_guessed_at() {
    let dir = temp_dir("store-newer");
    let store = dir.join("runs.sqlite");
    drop(RunStore::open(&store).unwrap());
    let connection = rusqlite::Connection::open(&store).unwrap();
    connection.pragma_update(None, "user_version", 99).unwrap();
    drop(connection);
    match RunStore::open(&store) {
        Err(StoreError::NewerSchema { found: 99, .. }) => {}
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer store was opened"),
    }
    let output = with_store(&store, &["history"]);
    assert_refused(&output, "schema version 99 is newer");
    let (_store, notice) = RunStore::open_or_recover(&store).unwrap();
    assert!(notice.unwrap().contains("moved to"));
}

#[test]
fn an_unwritable_store_location_trains_in_memory_and_says_so() {
    let dir = temp_dir("store-readonly");
    // A path under a regular file can never be created (whoever runs the test, root too).
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let store = blocker.join("runs.sqlite");
    let output = tiny_run(&store, &dir.join("a.json"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("runs are not being kept"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        ResultsFile::load(&dir.join("a.json")).unwrap().runs.len(),
        16
    );
}

#[test]
fn history_lists_experiments_and_export_writes_a_results_file() {
    let dir = temp_dir("store-history");
    let store = dir.join("runs.sqlite");
    run_cli(&store, &dir.join("a.json"), "21", 2, &[]);
    run_cli(
        &store,
        &dir.join("b.json"),
        "22",
        2,
        &["--conditions", "all-fixed,only-init"],
    );
    let history = with_store(&store, &["history"]);
    let text = stdout(&history);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("circles n=300"))
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    // Newest first.
    assert!(
        rows[0].contains(" 22 ") && rows[1].contains(" 21 "),
        "{text}"
    );
    assert!(rows[0].contains("     4  "), "{text}");

    let csv = dir.join("e.csv");
    let export = with_store(
        &store,
        &[
            "export",
            "1",
            "--out",
            dir.join("e.json").to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let exported = ResultsFile::load(&dir.join("e.json")).unwrap();
    let original = ResultsFile::load(&dir.join("a.json")).unwrap();
    assert_eq!(exported.runs, original.runs);
    assert_eq!(exported.summary, original.summary);
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 17);
    let missing = with_store(
        &store,
        &[
            "export",
            "99",
            "--out",
            dir.join("x.json").to_str().unwrap(),
        ],
    );
    assert_refused(&missing, "experiment 99 is not in the run store");
}
