//! Sharded sweeps: parts trained as separate processes, in any order, from a flag or a
//! scheduler's environment, merge into exactly the sweep one machine would have run.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use seedscope::records::ResultsFile;

const SEED: &str = "7";
const REPEATS: &str = "3";
/// The default preset's conditions and library-rng, whose runs differ on every training
/// (candle's unseedable RNG) and so test how merge treats runs that are not replayable.
const CONDITIONS: &str = "all-fixed,all-free,only-data,only-split,only-init,only-dropout,only-shuffle,only-threads,library-rng";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `run` of the default preset (9 conditions × 3 = 27 runs) with `extra` flags.
fn run(command: Command, out: &Path, extra: &[&str]) -> Output {
    let mut command = command;
    command
        .args([
            "run",
            "--quiet",
            "--seed",
            SEED,
            "--repeats",
            REPEATS,
            "--conditions",
            CONDITIONS,
            "--out",
        ])
        .arg(out)
        .args(extra);
    command.output().unwrap()
}

fn succeed(output: Output) -> Output {
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

/// Every part of `count`, trained in reverse order as separate processes.
fn parts(dir: &Path, count: usize) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for index in (0..count).rev() {
        let out = dir.join(format!("part-{index}-of-{count}.json"));
        let shard = format!("{index}/{count}");
        succeed(run(binary(), &out, &["--shard", &shard, "--workers", "1"]));
        paths.push(out);
    }
    paths
}

fn merge(parts: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    binary()
        .arg("merge")
        .args(parts)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// The whole sweep on one machine, the reference every merge must equal.
fn unsharded(dir: &Path) -> ResultsFile {
    let out = dir.join("whole.json");
    succeed(run(binary(), &out, &[]));
    ResultsFile::load(&out).unwrap()
}

/// Same pairs in the same order, same seeds; replayable runs bitwise equal (hash, metric
/// bits, predictions, curves); summaries equal for every condition without racing runs.
fn assert_same_sweep(merged: &ResultsFile, whole: &ResultsFile, what: &str) {
    assert_eq!(merged.config, whole.config, "{what}");
    assert_eq!(merged.master_seed, whole.master_seed, "{what}");
    assert!(merged.shard.is_none() && !merged.cancelled, "{what}");
    let ids = |file: &ResultsFile| file.runs.iter().map(|r| r.id()).collect::<Vec<_>>();
    assert_eq!(ids(merged), ids(whole), "{what}");
    let mut racing_conditions = std::collections::HashSet::new();
    for (a, b) in merged.runs.iter().zip(&whole.runs) {
        assert_eq!(a.seeds, b.seeds, "{what}: {}", a.id());
        if !b.replayable {
            racing_conditions.insert(b.condition);
            continue;
        }
        assert_eq!(a.weights_hash, b.weights_hash, "{what}: {}", a.id());
        assert_eq!(
            a.final_test_metric.map(f64::to_bits),
            b.final_test_metric.map(f64::to_bits),
            "{what}: {}",
            a.id()
        );
        assert_eq!(a.test_predictions, b.test_predictions, "{what}: {}", a.id());
        assert_eq!(a.train_loss, b.train_loss, "{what}: {}", a.id());
    }
    assert!(
        !racing_conditions.is_empty(),
        "the sweep should include racing runs"
    );
    for (a, b) in merged.summary.iter().zip(&whole.summary) {
        if !racing_conditions.contains(&b.condition) {
            assert_eq!(a, b, "{what}: summary of {}", b.condition);
        }
    }
}

#[test]
fn every_shard_count_merges_into_the_unsharded_sweep() {
    let dir = temp_dir("shards-merge");
    let whole = unsharded(&dir);
    for count in [1, 2, 3, 7] {
        let parts = parts(&dir, count);
        for path in &parts {
            let part = ResultsFile::load(path).unwrap();
            let shard = part.shard.as_ref().expect("a part records its shard");
            assert_eq!(shard.count, count);
            assert_eq!(shard.origin, "--shard");
            let trained: Vec<seedscope::engine::record::RunId> =
                part.runs.iter().map(|r| r.id()).collect();
            assert_eq!(trained, shard.pairs, "a part trains exactly its pairs");
        }
        let out = dir.join(format!("merged-{count}.json"));
        let output = succeed(merge(&parts, &out, &[]));
        assert!(
            stdout(&output).contains("of 27 runs"),
            "{}",
            stdout(&output)
        );
        assert_same_sweep(
            &ResultsFile::load(&out).unwrap(),
            &whole,
            &format!("{count} parts"),
        );
    }
}

#[test]
fn a_merged_file_is_accepted_by_compare_and_replay() {
    let dir = temp_dir("shards-use");
    let parts = parts(&dir, 2);
    let merged = dir.join("merged.json");
    let csv = dir.join("runs.csv");
    succeed(merge(&parts, &merged, &["--csv", csv.to_str().unwrap()]));
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 28);
    let compare = binary()
        .args([
            "compare",
            "--a",
            "only-init",
            "--b",
            "only-shuffle",
            "--json",
        ])
        .arg(&merged)
        .output()
        .unwrap();
    assert!(compare.status.success(), "{}", stderr(&compare));
    let replay = binary()
        .args(["replay", "--run", "only-dropout/2"])
        .arg(&merged)
        .output()
        .unwrap();
    assert!(replay.status.success(), "{}", stdout(&replay));
}

#[test]
fn scheduler_environments_give_the_parts_the_flag_gives() {
    let dir = temp_dir("shards-env");
    let by_flag = dir.join("flag.json");
    succeed(run(binary(), &by_flag, &["--shard", "1/3"]));
    let slurm_out = dir.join("slurm.json");
    let mut slurm = binary();
    slurm
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .env("SLURM_ARRAY_TASK_MIN", "1");
    let output = succeed(run(slurm, &slurm_out, &[]));
    assert!(
        stdout(&output).contains("shard: 1/3 (from SLURM_ARRAY_TASK_ID)"),
        "{}",
        stdout(&output)
    );
    let k8s_out = dir.join("k8s.json");
    let mut k8s = binary();
    k8s.env("JOB_COMPLETION_INDEX", "1");
    let output = succeed(run(k8s, &k8s_out, &["--shards", "3"]));
    assert!(stdout(&output).contains("shard: 1/3 (from JOB_COMPLETION_INDEX)"));

    // Grid Engine: `qsub -t 1-3`, task 2 is the second part (index 1).
    let sge_out = dir.join("sge.json");
    let mut sge = binary();
    sge.env("SGE_TASK_ID", "2")
        .env("SGE_TASK_FIRST", "1")
        .env("SGE_TASK_LAST", "3")
        .env("SGE_TASK_STEPSIZE", "1");
    let output = succeed(run(sge, &sge_out, &[]));
    assert!(stdout(&output).contains("shard: 1/3 (from SGE_TASK_ID)"));
    // AWS Batch and PBS give a 0-based index; the count comes from --shards.
    let mut index_only = Vec::new();
    for variable in [
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "PBS_ARRAY_INDEX",
        "PBS_ARRAYID",
    ] {
        let out = dir.join(format!("{variable}.json"));
        let mut command = binary();
        command.env(variable, "1");
        let output = succeed(run(command, &out, &["--shards", "3"]));
        assert!(
            stdout(&output).contains(&format!("shard: 1/3 (from {variable})")),
            "{}",
            stdout(&output)
        );
        index_only.push((out, variable));
    }

    let flag = ResultsFile::load(&by_flag).unwrap();
    let mut by_scheduler = vec![
        (slurm_out, "SLURM_ARRAY_TASK_ID"),
        (k8s_out, "JOB_COMPLETION_INDEX"),
        (sge_out, "SGE_TASK_ID"),
    ];
    by_scheduler.extend(index_only);
    for (path, origin) in &by_scheduler {
        let part = ResultsFile::load(path).unwrap();
        let (a, b) = (part.shard.as_ref().unwrap(), flag.shard.as_ref().unwrap());
        assert_eq!(a.origin, *origin);
        assert_eq!((a.index, a.count, &a.pairs), (b.index, b.count, &b.pairs));
        for (x, y) in part.runs.iter().zip(&flag.runs) {
            assert_eq!(x.id(), y.id());
            if y.replayable {
                assert_eq!(x.weights_hash, y.weights_hash, "{origin}: {}", x.id());
            }
        }
    }
    // The flag wins over the environment.
    let both = dir.join("both.json");
    let mut with_env = binary();
    with_env
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env("SLURM_ARRAY_TASK_COUNT", "5");
    succeed(run(with_env, &both, &["--shard", "1/3"]));
    let both = ResultsFile::load(&both).unwrap();
    assert_eq!(both.shard.unwrap().origin, "--shard");
}

/// Rewrites a part file through `edit` into `to`.
fn edited(from: &Path, to: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(from).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(to, serde_json::to_string(&value).unwrap()).unwrap();
    to.to_path_buf()
}

/// A run of `part` that is (or is not) replayable: its position in `runs`.
fn run_position(part: &Path, replayable: bool) -> usize {
    ResultsFile::load(part)
        .unwrap()
        .runs
        .iter()
        .position(|r| r.replayable == replayable)
        .unwrap()
}

#[test]
fn merge_refuses_mismatched_parts_and_names_what_differs() {
    let dir = temp_dir("shards-mismatch");
    let parts = parts(&dir, 2);
    let out = dir.join("merged.json");
    let refused = |parts: &[PathBuf], needle: &str| {
        let output = merge(parts, &out, &[]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(needle), "{}", stderr(&output));
        assert!(!out.exists(), "nothing is written");
    };
    let other_seed = dir.join("seed-8.json");
    succeed(
        binary()
            .args([
                "run",
                "--quiet",
                "--seed",
                "8",
                "--repeats",
                REPEATS,
                "--shard",
                "1/2",
                "--out",
            ])
            .arg(&other_seed)
            .output()
            .unwrap(),
    );
    refused(&[parts[1].clone(), other_seed], "master seed 7");
    let other_lr = edited(&parts[0], &dir.join("lr.json"), |v| {
        v["config"]["learning_rate"] = serde_json::json!(0.5);
    });
    refused(&[parts[1].clone(), other_lr], "config.learning_rate");
    let other_engine = edited(&parts[0], &dir.join("engine.json"), |v| {
        v["shard"]["engine"] = serde_json::json!("seedscope 0.0.1 numerics 0 cpu other");
    });
    refused(&[parts[1].clone(), other_engine], "different engines");
    let whole = dir.join("whole.json");
    succeed(run(binary(), &whole, &[]));
    refused(&[parts[0].clone(), whole], "not a shard part");
    let text = std::fs::read_to_string(&parts[0]).unwrap();
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    refused(&[parts[1].clone(), truncated.clone()], "truncated.json");
}

#[test]
fn merge_reports_missing_runs_and_handles_duplicates() {
    let dir = temp_dir("shards-missing");
    let parts = parts(&dir, 3); // parts[0] is part 2, parts[2] is part 0
    let out = dir.join("merged.json");

    let output = merge(&parts[..2], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("shard 0/3: all 9 of its runs"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
    succeed(merge(&parts[..2], &out, &["--allow-partial"]));
    let partial = ResultsFile::load(&out).unwrap();
    assert!(partial.cancelled);
    assert_eq!(partial.runs.len(), 18);
    std::fs::remove_file(&out).unwrap();

    // The same part twice: exact duplicates, kept once.
    let mut twice = parts.clone();
    twice.push(parts[1].clone());
    let output = succeed(merge(&twice, &out, &[]));
    assert!(stdout(&output).contains("9 runs delivered twice with equal weights"));
    assert_eq!(ResultsFile::load(&out).unwrap().runs.len(), 27);

    // A replayable run with other weights is a conflict.
    let replayable = run_position(&parts[1], true);
    let conflicting = edited(&parts[1], &dir.join("conflict.json"), |v| {
        v["runs"][replayable]["weights_hash"] = serde_json::json!("0".repeat(64));
    });
    let mut with_conflict = parts.clone();
    with_conflict.push(conflicting);
    let output = merge(&with_conflict, &dir.join("conflict-merged.json"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("conflicts"), "{}", stderr(&output));

    // A racing run with other weights is a second sample of a race: kept once, said so.
    let racing = run_position(&parts[1], false);
    let raced_again = edited(&parts[1], &dir.join("raced.json"), |v| {
        v["runs"][racing]["weights_hash"] = serde_json::json!("1".repeat(64));
    });
    let mut with_race = parts.clone();
    with_race.push(raced_again);
    let output = succeed(merge(&with_race, &dir.join("race-merged.json"), &[]));
    assert!(
        stdout(&output).contains("1 racing runs delivered twice"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn bad_shard_input_names_the_value_and_writes_nothing() {
    let dir = temp_dir("shards-bad");
    let out = dir.join("never.json");
    let cases: Vec<(Command, Vec<&str>, &str)> = vec![
        (binary(), vec!["--shard", "5/4"], "0 to 3"),
        (binary(), vec!["--shard", "0/0"], "count 0"),
        (binary(), vec!["--shard", "one/4"], "`one`"),
        (binary(), vec!["--shards", "4"], "--shard I/4"),
        (
            {
                let mut c = binary();
                c.env("SLURM_ARRAY_TASK_ID", "3");
                c
            },
            vec![],
            "SLURM_ARRAY_TASK_COUNT",
        ),
        (
            {
                let mut c = binary();
                c.env("JOB_COMPLETION_INDEX", "3");
                c
            },
            vec![],
            "--shards N",
        ),
    ];
    for (command, extra, needle) in cases {
        let output = run(command, &out, &extra);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(needle),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists(), "{extra:?}");
    }
    // A part without a fixed seed would be a different experiment from its siblings.
    let output = binary()
        .args([
            "run",
            "--quiet",
            "--repeats",
            "1",
            "--shard",
            "0/2",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("needs a fixed master seed"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
}

/// `bash SCRIPT` for one of the cluster examples, in `dir`, with the settings they read from
/// the environment: this binary, the test sweep, where parts and results go.
fn example_script(dir: &Path, script: &Path, parts_dir: &Path, results: &Path) -> Command {
    let mut command = Command::new("bash");
    for inherited in ["SEEDSCOPE_SEED", "SEEDSCOPE_STORE", "SLURM_ARRAY_TASK_STEP"] {
        command.env_remove(inherited);
    }
    command
        .current_dir(dir)
        .arg(script)
        .env("SEEDSCOPE", env!("CARGO_BIN_EXE_seedscope"))
        .env("SEED", SEED)
        .env("PRESET", seedscope::engine::presets::DEFAULT_PRESET)
        .env("REPEATS", REPEATS)
        .env("CONDITIONS", CONDITIONS)
        .env("PARTS_DIR", parts_dir)
        .env("RESULTS", results);
    command
}

#[test]
fn the_example_slurm_scripts_run_as_a_local_array() {
    let dir = temp_dir("shards-slurm");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cluster");
    let parts_dir = dir.join("parts");
    let results = dir.join("results.json");
    let script = |name: &str| example_script(&dir, &scripts.join(name), &parts_dir, &results);
    for task in 1..=4 {
        let mut part = script("seedscope-array.sbatch");
        part.env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_COUNT", "4");
        succeed(part.output().unwrap());
    }
    succeed(script("seedscope-merge.sbatch").output().unwrap());
    let merged = ResultsFile::load(&results).unwrap();
    assert_eq!(merged.runs.len(), 27);
    assert!(dir.join("results.csv").exists());
    let whole = unsharded(&dir);
    assert_same_sweep(&merged, &whole, "the Slurm example");
}

/// The Slurm examples on a real Slurm: `submit.sh` submits a 4-task array and the merge
/// with `afterok`; the merged file must equal the unsharded sweep and be accepted by
/// `compare` and `replay`. Needs a running Slurm (`assets/cluster/local-slurm.sh start`, as
/// root, then `SLURM_CONF` set as it says); `.ci/run` starts one and runs this with
/// `--ignored`.
#[test]
#[ignore = "needs a running Slurm: assets/cluster/local-slurm.sh start"]
fn the_example_slurm_scripts_run_on_a_real_slurm() {
    let dir = temp_dir("shards-real-slurm");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cluster");
    let parts_dir = dir.join("parts");
    let results = dir.join("results.json");
    let submitted = example_script(&dir, &scripts.join("submit.sh"), &parts_dir, &results)
        .arg("--array=0-3")
        .output()
        .unwrap();
    let printed = stdout(&succeed(submitted));
    let job_of = |prefix: &str| {
        printed
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("submit.sh printed no {prefix:?}: {printed}"))
            .trim()
            .to_string()
    };
    let (array, merge_job) = (job_of("parts: job array "), job_of("merge: job "));
    // Wait for both jobs to leave the queue (seconds here; generous for a loaded VM).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let queue = Command::new("squeue")
            .args(["-h", "-o", "%i %T", "-j"])
            .arg(format!("{array},{merge_job}"))
            .output()
            .unwrap();
        let listed = stdout(&queue);
        if queue.status.success() && listed.trim().is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Slurm jobs still queued after 10 minutes:\n{listed}{}",
            stderr(&queue)
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let log = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    assert!(
        results.exists(),
        "the merge job wrote no results; its log:\n{}",
        log("seedscope-merge.log")
    );
    // Every array task wrote its part where the merge looked.
    for task in 0..4 {
        assert!(
            parts_dir.join(format!("part-{task}.json")).exists(),
            "part {task}: {}",
            log(&format!("seedscope-part-{task}.log"))
        );
    }
    let merged = ResultsFile::load(&results).unwrap();
    assert_eq!(merged.runs.len(), 27);
    let whole = unsharded(&dir);
    assert_same_sweep(&merged, &whole, "the Slurm example on a real Slurm");
    let compare = binary()
        .args(["compare", "--a", "only-init", "--b", "only-shuffle"])
        .arg(&results)
        .output()
        .unwrap();
    succeed(compare);
    let replay = binary()
        .args(["replay", "--run", "only-init/1"])
        .arg(&results)
        .output()
        .unwrap();
    succeed(replay);
}

/// The HTCondor example: expanded as condor_submit expands it (`$(N)`, `$(Process)` for
/// each queued job), its jobs ask for parts 0/N … N−1/N, each once, and write distinct files.
#[test]
fn the_htcondor_example_queues_one_job_per_part() {
    let submit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cluster/seedscope.sub"),
    )
    .unwrap();
    let settings: Vec<(&str, &str)> = submit
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect();
    let setting = |name: &str| {
        settings
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
            .unwrap_or_else(|| panic!("no {name} in the submit file"))
    };
    let n: usize = setting("N").parse().unwrap();
    let queued = submit
        .lines()
        .find_map(|line| line.trim().strip_prefix("queue "))
        .expect("a queue statement");
    assert_eq!(queued.trim().replace("$(N)", &n.to_string()), n.to_string());
    let mut shards = Vec::new();
    let mut outs = std::collections::HashSet::new();
    for process in 0..n {
        let arguments = setting("arguments")
            .replace("$(Process)", &process.to_string())
            .replace("$(N)", &n.to_string());
        let words: Vec<&str> = arguments.split_whitespace().collect();
        let after = |flag: &str| {
            words
                .windows(2)
                .find(|pair| pair[0] == flag)
                .map(|pair| pair[1].to_string())
                .unwrap_or_else(|| panic!("no {flag} in {arguments}"))
        };
        shards.push(after("--shard"));
        outs.insert(after("--out"));
        after("--seed");
    }
    let expected: Vec<String> = (0..n).map(|i| format!("{i}/{n}")).collect();
    assert_eq!(shards, expected);
    assert_eq!(outs.len(), n, "every job writes its own part file");
}

#[test]
fn the_kubernetes_example_asks_for_as_many_parts_as_it_runs() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cluster/seedscope-indexed-job.yaml"),
    )
    .unwrap();
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|line| line.trim().strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in the manifest"))
            .trim()
            .to_string()
    };
    assert_eq!(field("completionMode:"), "Indexed");
    let completions = field("completions:");
    let words: Vec<&str> = manifest
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect();
    let shards = words
        .windows(2)
        .find(|pair| pair[0] == "--shards")
        .map(|pair| pair[1]);
    assert_eq!(
        shards,
        Some(completions.as_str()),
        "--shards must equal completions"
    );
    assert!(
        manifest.contains("--seed "),
        "every part needs the same fixed seed"
    );
    assert!(manifest.contains("$JOB_COMPLETION_INDEX"));
}

#[test]
fn merged_runs_are_kept_in_the_run_store_and_not_trained_again() {
    let dir = temp_dir("shards-store");
    let parts = parts(&dir, 2);
    let store = dir.join("runs.sqlite");
    let mut with_store = binary();
    with_store.env_remove("SEEDSCOPE_NO_STORE");
    let output = with_store
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(dir.join("merged.json"))
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    let output = succeed(output);
    assert!(
        stdout(&output).contains("27 new runs kept"),
        "{}",
        stdout(&output)
    );
    let mut again = binary();
    again.env_remove("SEEDSCOPE_NO_STORE");
    let output = succeed(run(
        again,
        &dir.join("again.json"),
        &["--store", store.to_str().unwrap()],
    ));
    assert!(
        stdout(&output).contains("(0 trained, 27 from the store"),
        "{}",
        stdout(&output)
    );
}
