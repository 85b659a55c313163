//! Nothing overwritten, nothing lost (the second hostile-input campaign, issue 34): outputs
//! that are devices, folders, links or another file of the command; the run store's first
//! use by two processes, its refusals before any change, a read-only store; sizes that could
//! never be read back. Each test drives the binary as a user does.

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::{Value, json};

fn tiny() -> Value {
    let mut config: Value =
        serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap();
    config["training"]["epochs"] = json!(2);
    config["repeats"] = json!(3);
    config["conditions"] = json!(["all-fixed", "only-init"]);
    config
}

fn write_config(dir: &Path, config: &Value) -> PathBuf {
    let path = dir.join("experiment.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn run(config: &Path, extra: &[&std::ffi::OsStr]) -> Output {
    binary()
        .args(["run", "--seed", "1", "--workers", "1", "--config"])
        .arg(config)
        .args(extra)
        .output()
        .unwrap()
}

/// `run` of `config` keeping its runs in `store`, results to `out`.
fn run_into_store(config: &Path, out: &Path, store: &Path) -> Output {
    binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .args(["run", "--seed", "1", "--workers", "1", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Refused with exit 2 before training: the seed line (printed once the checks pass) is
/// absent and the message holds every needle.
fn assert_refused_before_training(output: &Output, needles: &[&str]) {
    let all = text(output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(
        !all.contains("master seed"),
        "trained before refusing: {all}"
    );
    for needle in needles {
        assert!(all.contains(needle), "`{needle}` missing from: {all}");
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn a_device_node_as_out_or_csv_is_written_through_never_replaced() {
    let dir = temp_dir("device-out");
    let config = write_config(&dir, &tiny());
    // As root, a replica of /dev/null made with mknod: a build that renames over devices
    // (the defect) must destroy the replica, never the machine's /dev/null. As an ordinary
    // user, /dev/null itself, which such a build cannot replace.
    let replica = dir.join("null-replica");
    let c_path = std::ffi::CString::new(replica.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only reads it.
    let made =
        unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    let devices = if made {
        vec![replica.clone()]
    } else {
        vec![PathBuf::from("/dev/null")]
    };
    for device in &devices {
        for flag in ["--out", "--csv"] {
            let out = dir.join("results.json");
            let mut args = vec![os(flag), device.as_os_str()];
            if flag == "--csv" {
                args.extend([os("--out"), out.as_os_str()]);
            }
            let output = run(&config, &args);
            assert!(
                output.status.success(),
                "{flag} {}: {}",
                device.display(),
                text(&output)
            );
            let kind = std::fs::metadata(device).unwrap().file_type();
            assert!(
                kind.is_char_device(),
                "{} is no longer a device",
                device.display()
            );
            assert!(!dir.join("null-replica.partial").exists());
        }
    }
}

#[test]
fn an_output_that_is_the_store_an_input_or_the_other_output_is_refused() {
    let dir = temp_dir("collide");
    let config = write_config(&dir, &tiny());
    let store = dir.join("runs.sqlite");
    let first = run_into_store(&config, &dir.join("first.json"), &store);
    assert!(first.status.success(), "{}", text(&first));
    let store_bytes = std::fs::read(&store).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let spelled_store = dir.join("sub/../runs.sqlite");
    let collisions: Vec<(Vec<PathBuf>, &str)> = vec![
        (
            vec![
                "--out".into(),
                spelled_store.clone(),
                "--store".into(),
                store.clone(),
            ],
            "the run store",
        ),
        (
            vec![
                "--out".into(),
                dir.join("r.json"),
                "--csv".into(),
                dir.join("./r.json"),
            ],
            "the --out file",
        ),
        (
            vec!["--out".into(), dir.join("sub/../experiment.json")],
            "the experiment file",
        ),
    ];
    for (args, needle) in collisions {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let output = binary()
            .env_remove("SEEDSCOPE_NO_STORE")
            .args(["run", "--seed", "2", "--workers", "1", "--config"])
            .arg(&config)
            .args(&args)
            .output()
            .unwrap();
        assert_refused_before_training(&output, &[needle, "choose another file"]);
    }
    assert_eq!(
        std::fs::read(&store).unwrap(),
        store_bytes,
        "the store changed"
    );
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("\"repeats\"")
    );
    // A hard link to the experiment file is the same file, however it is named.
    std::fs::hard_link(&config, dir.join("alias.json")).unwrap();
    let output = run(&config, &[os("--out"), dir.join("alias.json").as_os_str()]);
    assert_refused_before_training(&output, &["the experiment file"]);
}

#[test]
fn a_folder_or_an_unwritable_output_is_refused_before_training_leaving_nothing() {
    let dir = temp_dir("folder-out");
    let config = write_config(&dir, &tiny());
    let folder = dir.join("results");
    std::fs::create_dir_all(&folder).unwrap();
    let with_slash = format!("{}/", folder.display());
    for out in [folder.to_str().unwrap(), with_slash.as_str()] {
        let output = run(&config, &[os("--out"), os(out)]);
        assert_refused_before_training(&output, &["--out", "is a folder", "results.json"]);
    }
    let output = run(
        &config,
        &[os("--out"), dir.join("missing/r.json").as_os_str()],
    );
    assert_refused_before_training(&output, &["--out", "does not exist"]);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(&folder).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|name| name.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_stop_signal_during_the_final_write_leaves_no_partial_file() {
    let dir = temp_dir("sigterm-write");
    let mut config = tiny();
    // Long curves make a file of tens of MB: its write takes long enough to be caught.
    config["training"]["epochs"] = json!(3000);
    config["data"]["samples"] = json!(16);
    config["repeats"] = json!(48);
    config["conditions"] = json!(["all-free"]);
    let config = write_config(&dir, &config);
    let out = dir.join("results.json");
    let partial = dir.join("results.json.partial");
    for _attempt in 0..3 {
        let mut child = binary()
            .args(["run", "--quiet", "--seed", "1", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut caught = false;
        while child.try_wait().unwrap().is_none() {
            // The final write, not the check before training (its probe file is empty).
            if std::fs::metadata(&partial).is_ok_and(|m| m.len() > 0) {
                // SAFETY: kill with a live child's pid only sends a signal.
                unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
                caught = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        let status = child.wait().unwrap();
        if !caught {
            continue;
        }
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
        assert!(!partial.exists(), "the .partial survived SIGTERM");
        assert!(!out.exists(), "a half file became the output");
        return;
    }
    panic!("the write was never caught in progress in three attempts");
}

#[test]
fn two_runs_creating_one_store_together_both_keep_every_run() {
    let dir = temp_dir("first-use");
    let config = write_config(&dir, &tiny());
    for trial in 0..6 {
        let store = dir.join(format!("store-{trial}.sqlite"));
        let children: Vec<_> = (0..4)
            .map(|k| {
                binary()
                    .env_remove("SEEDSCOPE_NO_STORE")
                    .args(["run", "--quiet", "--workers", "1", "--seed"])
                    .arg(format!("{}", 100 + k))
                    .arg("--config")
                    .arg(&config)
                    .arg("--out")
                    .arg(dir.join(format!("out-{trial}-{k}.json")))
                    .arg("--store")
                    .arg(&store)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{}", text(&output));
            assert!(
                !text(&output).contains("not being kept"),
                "trial {trial}: {}",
                text(&output)
            );
        }
        let connection = rusqlite::Connection::open(&store).unwrap();
        let kept: i64 = connection
            .query_row("SELECT COUNT(*) FROM runs", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 4 * 6, "trial {trial}");
    }
}

#[test]
fn a_store_that_cannot_be_written_is_named_again_after_the_table() {
    let dir = temp_dir("unkept");
    let config = write_config(&dir, &tiny());
    std::fs::write(dir.join("a-file"), "").unwrap();
    let output = run_into_store(
        &config,
        &dir.join("r.json"),
        &dir.join("a-file/runs.sqlite"),
    );
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.contains("6 trained runs were NOT kept"), "{stderr}");
}

#[test]
fn a_newer_store_is_refused_before_its_journal_mode_changes() {
    let dir = temp_dir("newer-store");
    let config = write_config(&dir, &tiny());
    let store = dir.join("runs.sqlite");
    {
        let connection = rusqlite::Connection::open(&store).unwrap();
        connection
            .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&store).unwrap();
    let output = binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .args(["run", "--seed", "1", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.join("r.json"))
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("schema version 99 is newer"),
        "{}",
        text(&output)
    );
    assert_eq!(
        std::fs::read(&store).unwrap(),
        before,
        "the refused store was changed"
    );
    assert!(!dir.join("runs.sqlite-wal").exists());
}

#[test]
fn a_fifo_as_the_store_is_refused_by_name_and_nothing_is_left_beside_it() {
    let dir = temp_dir("fifo-store");
    let config = write_config(&dir, &tiny());
    let fifo = dir.join("store.fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    for command in ["run", "history"] {
        let mut invocation = binary();
        invocation.env_remove("SEEDSCOPE_NO_STORE").arg(command);
        if command == "run" {
            invocation.args(["--seed", "1", "--config"]).arg(&config);
            invocation.arg("--out").arg(dir.join("r.json"));
        }
        let output = invocation.arg("--store").arg(&fifo).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            text(&output)
        );
        assert!(
            text(&output).contains("named pipe"),
            "{command}: {}",
            text(&output)
        );
    }
    assert!(!dir.join("store.fifo-journal").exists());
    assert!(!dir.join("r.json").exists());
}

/// `history` and `export` read a store on a read-only file system (a tmpfs mounted
/// read-only in a private mount namespace; needs root and util-linux's unshare).
#[test]
fn a_store_on_a_read_only_file_system_can_be_listed_and_exported() {
    let dir = temp_dir("ro-store");
    let config = write_config(&dir, &tiny());
    let store = dir.join("runs.sqlite");
    let made = run_into_store(&config, &dir.join("r.json"), &store);
    assert!(made.status.success(), "{}", text(&made));
    let mount = dir.join("ro");
    std::fs::create_dir_all(&mount).unwrap();
    let exe = std::env::var_os("SEEDSCOPE_TEST_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_seedscope").into());
    let script = format!(
        "set -e; mount -t tmpfs tmpfs '{m}'; cp '{s}' '{m}/runs.sqlite'; mount -o remount,ro '{m}'; \
         '{exe}' history --store '{m}/runs.sqlite'; \
         '{exe}' export 1 --store '{m}/runs.sqlite' --out '{d}/exported.json'",
        m = mount.display(),
        s = store.display(),
        exe = Path::new(&exe).display(),
        d = dir.display()
    );
    let probe = std::process::Command::new("unshare")
        .args(["--mount", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("unshare --mount is not available here (not root?): skipped");
        return;
    }
    let output = std::process::Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .env("SEEDSCOPE_NO_STORE", "")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("ro/runs.sqlite"),
        "{}",
        text(&output)
    );
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("exported.json")).unwrap()).unwrap();
    assert_eq!(exported["runs"].as_array().unwrap().len(), 6);
}

/// The store's first use with no training in between, so the opens collide as closely as
/// they can: eight connections create one store at once, forty times, and every one of them
/// opens, registers its experiment and keeps its run.
#[test]
fn eight_connections_creating_one_store_at_once_all_keep_their_run() {
    use seedscope::engine::record::RunRecord;
    use seedscope::records::store::RunStore;
    let dir = temp_dir("first-use-stress");
    let config = seedscope::engine::presets::default_config();
    for trial in 0..40 {
        let store = dir.join(format!("s{trial}.sqlite"));
        let barrier = std::sync::Barrier::new(8);
        std::thread::scope(|scope| {
            for k in 0..8u64 {
                let (store, barrier, config) = (&store, &barrier, &config);
                scope.spawn(move || {
                    barrier.wait();
                    let mut opened = RunStore::open(store).unwrap_or_else(|e| panic!("open: {e}"));
                    let id = opened
                        .register(config, k)
                        .unwrap_or_else(|e| panic!("register: {e}"));
                    let mut record = RunRecord::failed(
                        seedscope::engine::seeds::Condition::ALL_FIXED,
                        0,
                        String::new(),
                    );
                    record.error = None;
                    record.weights_hash = format!("{k:064}");
                    let written = opened
                        .insert(id, &[record], false)
                        .unwrap_or_else(|e| panic!("insert: {e}"));
                    assert_eq!(written, 1);
                });
            }
        });
        let connection = rusqlite::Connection::open(&store).unwrap();
        let kept: i64 = connection
            .query_row("SELECT COUNT(*) FROM runs", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 8, "trial {trial}");
    }
}

/// A data file that cannot be read when a run starts fails the run with a typed data error
/// (never a panic caught as "worker panicked").
#[test]
fn a_data_file_gone_at_training_time_fails_its_runs_with_a_data_error() {
    use seedscope::engine::sweep::{SweepSpec, run_sweep};
    let dir = temp_dir("gone-data");
    let mut config: seedscope::engine::config::ExperimentConfig = serde_json::from_value(json!({
        "data": {"kind": "csv", "path": dir.join("never-written.csv"), "target": "label", "test_fraction": 0.3},
        "model": {"hidden": [4], "activation": "relu"},
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 1, "batch_size": 8},
        "repeats": 2,
        "conditions": ["all-fixed"]
    }))
    .unwrap();
    config.name = "gone".into();
    let spec = SweepSpec::new(config, 1, 1);
    let outcome = run_sweep(
        &spec,
        &std::sync::atomic::AtomicBool::new(false),
        &mut |_| {},
    );
    assert_eq!(outcome.runs.len(), 2);
    for run in &outcome.runs {
        let error = run.error.as_deref().unwrap_or_default();
        assert!(error.starts_with("data error:"), "{error}");
        assert!(error.contains("never-written.csv"), "{error}");
    }
}
