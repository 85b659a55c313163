//! The fuzz families the first harness (tests/fuzz.rs) did not generate, which the second
//! hostile-input campaign found (issue 34): equal numbers spelled differently and missing
//! markers among labels, output paths that collide with what a command keeps or are not
//! regular files, concurrent first use of a run store, and sweeps at the size limits.
//!
//! `cargo test` runs a few dozen cases a family; `PROPTEST_CASES=N` runs N.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use seedscope::cli::{Cli, Failure, run_command};
use seedscope::engine::data::csv_file::{TaskChoice, parse};
use seedscope::engine::data::table::Target;

mod common;

fn runner(default_cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    })
}

fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seedscope-fuzz2-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A command through the CLI's own entry point, in process; a panic fails the case.
fn cli(args: &[String]) -> Result<Result<(), Failure>, TestCaseError> {
    let all = std::iter::once("seedscope".to_string()).chain(args.iter().cloned());
    let outcome = std::panic::catch_unwind(|| {
        let parsed = Cli::try_parse_from(all).map_err(|e| Failure {
            code: 2,
            message: e.to_string(),
        })?;
        run_command(parsed.command.expect("a command"))
    });
    outcome.map_err(|_| TestCaseError::fail(format!("PANIC in {args:?}")))
}

fn tiny_config(dir: &Path) -> PathBuf {
    let mut config: Value =
        serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap();
    config["training"]["epochs"] = json!(1);
    config["data"]["samples"] = json!(40);
    config["repeats"] = json!(2);
    config["conditions"] = json!(["all-fixed", "only-init"]);
    let path = dir.join("experiment.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

const ZEROS: [&str; 7] = ["0", "0.0", "-0", "00", "0e0", "-0.0", "+0"];
const ONES: [&str; 7] = ["1", "1.0", "01", "1e0", "+1", "1.00", "10e-1"];
const MISSING: [&str; 8] = ["NA", "?", "n/a", "null", "None", "-", "#N/A", "missing"];

/// Labels that are 0 and 1 spelled any way, now and then a missing marker: two classes,
/// named 0 and 1, or a refusal naming the row and the column.
#[test]
fn labels_spelled_differently_are_one_class_and_missing_ones_are_named() {
    let strategy = (
        prop::collection::vec((any::<bool>(), 0..7usize), 12..40),
        prop::option::weighted(0.3, (0..12usize, 0..8usize)),
    );
    runner(64)
        .run(&strategy, |(cells, missing)| {
            let mut labels: Vec<&str> = cells
                .iter()
                .map(|(one, k)| if *one { ONES[*k] } else { ZEROS[*k] })
                .collect();
            if let Some((row, marker)) = missing {
                labels[row] = MISSING[marker];
            }
            let mut text = String::from("x,label\n");
            for (i, label) in labels.iter().enumerate() {
                text.push_str(&format!("{},{label}\n", i % 5));
            }
            let parsed = parse(text.as_bytes(), "f.csv", "label", TaskChoice::Auto);
            let values: std::collections::BTreeSet<bool> =
                cells.iter().map(|(one, _)| *one).collect();
            match (missing, parsed) {
                (Some((row, _)), Err(error)) => {
                    let error = error.to_string();
                    prop_assert!(error.contains(&format!("row {}", row + 2)), "{error}");
                    prop_assert!(error.contains("column `label`"), "{error}");
                }
                (Some(_), Ok(_)) => prop_assert!(false, "a missing marker was read as a label"),
                (None, Ok(table)) => {
                    let Target::Classes { names, .. } = table.target else {
                        return Err(TestCaseError::fail("0/1 labels read as values"));
                    };
                    prop_assert_eq!(names, vec!["0".to_string(), "1".to_string()]);
                }
                (None, Err(error)) => {
                    // Only a column of one value (however spelled) may be refused.
                    prop_assert_eq!(values.len(), 1, "{}", error);
                    prop_assert!(error.to_string().contains("one class only"), "{}", error);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// What an output may be: a fresh file, the device /dev/null, or something the command must
/// not destroy (the store, the experiment file, the other output, a folder, a link to the
/// experiment file).
#[derive(Clone, Copy, Debug)]
enum Target2 {
    Fresh,
    DevNull,
    Store,
    Experiment,
    ExperimentViaLink,
    Folder,
    FolderSlash,
    OtherOutput,
}

const TARGETS: [Target2; 8] = [
    Target2::Fresh,
    Target2::DevNull,
    Target2::Store,
    Target2::Experiment,
    Target2::ExperimentViaLink,
    Target2::Folder,
    Target2::FolderSlash,
    Target2::OtherOutput,
];

fn spell(dir: &Path, target: Target2, other: &str, fresh: &str) -> String {
    let d = dir.display();
    match target {
        Target2::Fresh => format!("{d}/sub/../{fresh}"),
        Target2::DevNull => null_device(dir),
        Target2::Store => format!("{d}/./runs.sqlite"),
        Target2::Experiment => format!("{d}/sub/../experiment.json"),
        Target2::ExperimentViaLink => format!("{d}/link.json"),
        Target2::Folder => format!("{d}/sub"),
        Target2::FolderSlash => format!("{d}/sub/"),
        Target2::OtherOutput => format!("{d}/sub/../{other}"),
    }
}

/// A character device to write through: as root a replica of /dev/null made in `dir` (so a
/// build that renames over devices destroys the replica, not the machine's), else /dev/null.
fn null_device(dir: &Path) -> String {
    let replica = dir.join("null-device");
    if replica.exists() {
        return replica.display().to_string();
    }
    let c_path = std::ffi::CString::new(replica.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only reads it.
    let made =
        unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    if made {
        replica.display().to_string()
    } else {
        "/dev/null".into()
    }
}

fn protected(target: Target2) -> bool {
    !matches!(
        target,
        Target2::Fresh | Target2::DevNull | Target2::OtherOutput
    )
}

/// `--out` and `--csv` of every kind: what must not be destroyed is refused (exit 2) before
/// training and left byte for byte; a fresh file or /dev/null is written; no `.partial`.
#[test]
fn outputs_that_collide_or_are_not_files_are_refused_and_nothing_is_destroyed() {
    let strategy = (
        prop::sample::select(&TARGETS[..]),
        prop::sample::select(&TARGETS[..]),
    );
    runner(40)
        .run(&strategy, |(out, csv)| {
            let dir = fresh_dir("outputs");
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            let config = tiny_config(&dir);
            std::os::unix::fs::symlink(&config, dir.join("link.json")).unwrap();
            let store = dir.join("runs.sqlite");
            seedscope::records::store::RunStore::open(&store).unwrap();
            let keep = |path: &Path| std::fs::read(path).unwrap();
            let (store_before, config_before) = (keep(&store), keep(&config));
            let out_path = spell(&dir, out, "b.csv", "a.json");
            let csv_path = spell(&dir, csv, "a.json", "b.csv");
            let outcome = cli(&[
                "run",
                "--quiet",
                "--seed",
                "1",
                "--workers",
                "1",
                "--config",
                config.to_str().unwrap(),
                "--store",
                store.to_str().unwrap(),
                "--out",
                &out_path,
                "--csv",
                &csv_path,
            ]
            .map(String::from))?;
            // `OtherOutput` spells the other flag's fresh name: the same file only when the
            // other flag is that fresh file.
            let collide_each_other = matches!(
                (out, csv),
                (Target2::OtherOutput, Target2::Fresh) | (Target2::Fresh, Target2::OtherOutput)
            );
            let must_refuse = protected(out) || protected(csv) || collide_each_other;
            let refused = outcome.is_err();
            match outcome {
                Ok(()) => prop_assert!(!must_refuse, "{out:?}/{csv:?} accepted"),
                Err(failure) => {
                    prop_assert_eq!(failure.code, 2, "{}", failure.message);
                    prop_assert!(must_refuse, "{out:?}/{csv:?} refused: {}", failure.message);
                    prop_assert!(
                        failure.message.starts_with("--out")
                            || failure.message.starts_with("--csv"),
                        "{}",
                        failure.message
                    );
                }
            }
            prop_assert!(
                std::fs::symlink_metadata(dir.join("link.json"))
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            if let Ok(device) = std::fs::metadata(dir.join("null-device")) {
                use std::os::unix::fs::FileTypeExt;
                prop_assert!(
                    device.file_type().is_char_device(),
                    "the device was replaced"
                );
            }
            prop_assert!(
                keep(&config) == config_before,
                "the experiment file changed"
            );
            // A refused run changes nothing; an accepted one keeps its runs in the store.
            prop_assert!(
                !refused || keep(&store) == store_before,
                "a refused run changed the store"
            );
            let partials = walk(&dir)
                .into_iter()
                .filter(|p| p.to_string_lossy().ends_with(".partial"))
                .count();
            prop_assert_eq!(partials, 0);
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        })
        .unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

/// Two to five runs of different seeds start together on a store that does not exist: every
/// run of every one is kept.
#[test]
fn concurrent_first_use_of_a_store_keeps_every_run() {
    runner(8)
        .run(&(2..6usize), |writers| {
            let dir = fresh_dir("first-use");
            let config = tiny_config(&dir);
            let store = dir.join("runs.sqlite");
            let outcomes: Vec<_> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..writers)
                    .map(|k| {
                        let (config, store, dir) = (&config, &store, &dir);
                        scope.spawn(move || {
                            cli(&[
                                "run".into(),
                                "--quiet".into(),
                                "--workers".into(),
                                "1".into(),
                                "--seed".into(),
                                format!("{}", 7 + k),
                                "--config".into(),
                                config.display().to_string(),
                                "--store".into(),
                                store.display().to_string(),
                                "--out".into(),
                                dir.join(format!("r{k}.json")).display().to_string(),
                            ])
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for outcome in outcomes {
                prop_assert!(outcome?.is_ok());
            }
            let connection = rusqlite::Connection::open(&store).unwrap();
            let kept: i64 = connection
                .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
                .unwrap();
            prop_assert_eq!(kept as usize, writers * 4);
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        })
        .unwrap();
}

/// Sweeps at the limits: repeats and epochs whose results file no reader could open are
/// refused before any training, naming the setting to lower.
#[test]
fn sweeps_at_the_size_limits_are_refused_before_training() {
    let strategy = (
        prop::sample::select(&[5_000usize, 20_000, 60_000, 100_000][..]),
        prop::sample::select(&[2_000usize, 5_000, 10_000][..]),
    );
    runner(12)
        .run(&strategy, |(repeats, epochs)| {
            let dir = fresh_dir("limits");
            let mut config: Value =
                serde_json::from_str(&seedscope::engine::presets::default_config().to_json())
                    .unwrap();
            config["training"]["epochs"] = json!(epochs);
            config["repeats"] = json!(repeats);
            let path = dir.join("big.json");
            std::fs::write(&path, config.to_string()).unwrap();
            let started = std::time::Instant::now();
            let outcome = cli(&[
                "run",
                "--quiet",
                "--seed",
                "1",
                "--no-store",
                "--config",
                path.to_str().unwrap(),
                "--out",
                dir.join("r.json").to_str().unwrap(),
            ]
            .map(String::from))?;
            let Err(failure) = outcome else {
                return Err(TestCaseError::fail(format!(
                    "{repeats} × {epochs} was trained"
                )));
            };
            prop_assert_eq!(failure.code, 2);
            prop_assert!(
                failure.message.contains("lower --repeats to at most"),
                "{}",
                failure.message
            );
            prop_assert!(
                started.elapsed().as_secs() < 30,
                "it trained before refusing"
            );
            prop_assert!(!dir.join("r.json").exists());
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        })
        .unwrap();
}
