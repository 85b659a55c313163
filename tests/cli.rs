//! The command line: seeds, bad input, divergence, presets, output files.

mod common;

use common::*;
use seedscope::records::ResultsFile;

fn circles_json() -> serde_json::Value {
    serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap()
}

fn run_config(
    dir: &std::path::Path,
    config: &serde_json::Value,
) -> (std::process::Output, std::path::PathBuf) {
    let path = dir.join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let out = dir.join("out.json");
    let output = binary()
        .args(["run", "--quiet", "--seed", "1", "--config"])
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    (output, out)
}

/// A change to a valid config that makes it invalid.
type ConfigEdit = Box<dyn Fn(&mut serde_json::Value)>;

#[test]
fn bad_configs_name_the_field_and_range_and_write_nothing() {
    let dir = temp_dir("badconfig");
    let cases: Vec<(&str, ConfigEdit, &str)> = vec![
        (
            "unknown field",
            Box::new(|c| c["model"]["dropuot"] = 0.1.into()),
            "dropuot",
        ),
        (
            "wrong type",
            Box::new(|c| c["training"]["epochs"] = "many".into()),
            "training.epochs",
        ),
        (
            "out of range",
            Box::new(|c| c["model"]["dropout"] = 1.5.into()),
            "model.dropout",
        ),
        (
            "negative lr",
            Box::new(|c| c["training"]["learning_rate"] = (-1.0).into()),
            "training.learning_rate",
        ),
        (
            "zero batch",
            Box::new(|c| c["training"]["batch_size"] = 0.into()),
            "training.batch_size",
        ),
        (
            "bad condition",
            Box::new(|c| c["conditions"] = serde_json::json!(["only-gpu"])),
            "conditions",
        ),
    ];
    for (what, edit, field) in cases {
        let mut config = circles_json();
        edit(&mut config);
        let (output, out) = run_config(&dir, &config);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(field),
            "{what}: message does not name {field}: {stderr}"
        );
        assert!(!out.exists(), "{what}: a results file was written");
    }
    // Ranges are spelled out.
    let mut config = circles_json();
    config["model"]["dropout"] = 1.5.into();
    let (output, _) = run_config(&dir, &config);
    assert!(String::from_utf8_lossy(&output.stderr).contains("allowed: 0 to 0.95"));
}

#[test]
fn a_huge_learning_rate_diverges_and_the_sweep_finishes() {
    let dir = temp_dir("diverge");
    let mut config = circles_json();
    config["training"]["learning_rate"] = 1e6.into();
    config["repeats"] = 3.into();
    config["conditions"] = serde_json::json!(["all-fixed", "all-free"]);
    let (output, out) = run_config(&dir, &config);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = ResultsFile::load(&out).unwrap();
    assert_eq!(results.runs.len(), 6);
    assert!(
        results
            .runs
            .iter()
            .all(|r| r.diverged && r.final_test_metric.is_none())
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("6 diverged"));
}

#[test]
fn the_master_seed_comes_from_flag_then_environment_and_is_recorded() {
    let dir = temp_dir("seed");
    let out = dir.join("env.json");
    let output = binary()
        .env("SEEDSCOPE_SEED", "4242")
        .args([
            "run",
            "--quiet",
            "--repeats",
            "1",
            "--conditions",
            "all-fixed",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("master seed: 4242 (from SEEDSCOPE_SEED)")
    );
    let from_env = ResultsFile::load(&out).unwrap();
    assert_eq!(from_env.master_seed, 4242);

    let flag_out = dir.join("flag.json");
    let output = binary()
        .env("SEEDSCOPE_SEED", "1")
        .args([
            "run",
            "--quiet",
            "--repeats",
            "1",
            "--conditions",
            "all-fixed",
            "--seed",
            "4242",
            "--out",
        ])
        .arg(&flag_out)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("master seed: 4242 (from --seed)"));
    let from_flag = ResultsFile::load(&flag_out).unwrap();
    assert_eq!(
        from_flag.runs[0].weights_hash,
        from_env.runs[0].weights_hash
    );

    let output = binary()
        .env("SEEDSCOPE_SEED", "lucky")
        .args(["run", "--quiet", "--out"])
        .arg(dir.join("never.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SEEDSCOPE_SEED"));

    let os_out = dir.join("os.json");
    let output = binary()
        .args([
            "run",
            "--quiet",
            "--repeats",
            "1",
            "--conditions",
            "all-fixed",
            "--out",
        ])
        .arg(&os_out)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("(from os)"));
    assert_eq!(ResultsFile::load(&os_out).unwrap().seed_origin, "os");
}

#[test]
fn presets_are_listed_and_runnable() {
    let output = binary().arg("presets").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for name in ["circles", "sequence", "random-regression", "reference"] {
        assert!(text.contains(name), "{name} missing from: {text}");
    }
    let dir = temp_dir("presets");
    for preset in ["sequence", "random-regression", "blobs"] {
        let out = dir.join(format!("{preset}.json"));
        let output = binary()
            .args([
                "run",
                "--quiet",
                "--repeats",
                "2",
                "--conditions",
                "all-fixed,only-init",
                "--preset",
                preset,
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{preset}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let results = ResultsFile::load(&out).unwrap();
        assert!(
            results.runs.iter().all(|r| r.final_test_metric.is_some()),
            "{preset}"
        );
    }
    let output = binary()
        .args(["run", "--preset", "nope", "--out", "/tmp/x.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("available: circles"));
}

#[test]
fn run_writes_json_and_csv_with_the_documented_fields() {
    let dir = temp_dir("files");
    let (json, csv) = (dir.join("r.json"), dir.join("r.csv"));
    let output = binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "3",
            "--repeats",
            "3",
            "--conditions",
            "all-fixed,nudge",
            "--out",
        ])
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(output.status.success());
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in ["schema_version", "config", "master_seed", "runs", "summary"] {
        assert!(value.get(key).is_some(), "{key} missing");
    }
    let run = &value["runs"][0];
    for key in [
        "condition",
        "run_index",
        "seeds",
        "threads",
        "train_loss",
        "test_metric",
        "final_train_metric",
        "final_test_metric",
        "test_predictions",
        "weights_hash",
        "wall_ms",
        "diverged",
        "replayable",
    ] {
        assert!(run.get(key).is_some(), "runs[0].{key} missing");
    }
    for source in ["data", "split", "init", "dropout", "shuffle", "threads"] {
        assert!(run["seeds"][source].is_u64(), "seeds.{source}");
    }
    assert_eq!(run["weights_hash"].as_str().unwrap().len(), 64);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 6);
    assert!(lines[0].starts_with("condition,run_index,seed_data,seed_split"));
    assert!(lines[1].starts_with("all-fixed,0,"));
}

#[test]
fn bench_prints_its_figures_as_json() {
    let output =
        succeeded(binary().args(["bench", "--json", "--preset", "circles", "--workers", "2"]));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["runs"], 240);
    for key in [
        "sweep_seconds",
        "ms_per_run",
        "ms_single_run",
        "runs_per_second",
        "peak_rss_mb",
    ] {
        assert!(
            report[key].as_f64().is_some_and(|v| v > 0.0),
            "{key}: {}",
            report[key]
        );
    }
    let like = &report["like_for_like"];
    assert_eq!(like["condition"], "free:data+split+init+dropout+shuffle");
    assert_eq!(
        (like["runs"].as_u64(), like["workers"].as_u64()),
        (Some(240), Some(1))
    );
    assert!(
        like["ms_per_run"].as_f64().is_some_and(|v| v > 0.0),
        "{like}"
    );
}

#[test]
fn compare_prints_the_documented_json_and_names_unknown_conditions() {
    let dir = temp_dir("compare");
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    // `run` of one experiment file with one seed, into `out`.
    let run = |config: &std::path::Path, seed: &str, out: &std::path::Path| {
        let status = binary()
            .args(["run", "--quiet", "--seed", seed, "--config"])
            .arg(config)
            .arg("--out")
            .arg(out)
            .status()
            .unwrap();
        assert!(status.success());
    };
    // `compare --json` of all-free in `a` against all-free in `b_file`.
    let compare_all_free = |a: &std::path::Path, b_file: &std::path::Path| {
        let output = succeeded(
            binary()
                .arg("compare")
                .arg(a)
                .args(["--a", "all-free", "--b", "all-free", "--json", "--b-file"])
                .arg(b_file),
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    for (out, dropout) in [(&a, "0.0"), (&b, "0.3")] {
        let mut config = circles_json();
        config["model"]["dropout"] = dropout.parse::<f64>().unwrap().into();
        config["repeats"] = 10.into();
        config["conditions"] = serde_json::json!(["all-fixed", "all-free"]);
        let path = dir.join(if dropout == "0.0" {
            "config-a.json"
        } else {
            "config-b.json"
        });
        std::fs::write(&path, config.to_string()).unwrap();
        run(&path, "8", out);
    }
    let c = compare_all_free(&a, &b);
    for key in [
        "mean_diff",
        "ci_low",
        "ci_high",
        "welch_t",
        "welch_df",
        "welch_p",
        "p_a_gt_b",
        "p_ci_low",
        "p_ci_high",
    ] {
        assert!(c[key].is_number(), "{key}: {}", c[key]);
    }
    assert!(
        c["ci_low"].as_f64() <= c["mean_diff"].as_f64()
            && c["mean_diff"].as_f64() <= c["ci_high"].as_f64()
    );
    // Two settings (dropout 0 against 0.3) are competitors: the verdict is Bouthillier's
    // rule, in pairings. The spreads' ratio is there too.
    assert_eq!(c["question"], "better");
    assert!(
        c["verdict"].as_str().unwrap().contains("pairings"),
        "{}",
        c["verdict"]
    );
    assert!(c["std_ratio"].as_f64().is_some_and(|r| r > 0.0), "{c}");
    // Same master seed and condition: run i of each drew the same seeds, so the two settings
    // are also compared pair by pair.
    let paired = &c["paired"];
    assert_eq!(paired["pairs"], 10, "{c}");
    assert!(
        paired["ci_low"].as_f64() <= paired["mean_diff"].as_f64()
            && paired["mean_diff"].as_f64() <= paired["ci_high"].as_f64(),
        "{paired}"
    );
    assert!(
        paired["verdict"]
            .as_str()
            .unwrap()
            .contains("under the same seeds"),
        "{paired}"
    );
    // Another master seed: no run drew the same seeds, and nothing is paired.
    let b_other_seed = dir.join("b-seed-9.json");
    run(&dir.join("config-b.json"), "9", &b_other_seed);
    assert!(compare_all_free(&a, &b_other_seed)["paired"].is_null());
    // The same settings under another master seed are one setting, not a competitor: its
    // runs are read as a spread against A's, with no winner named.
    let a_again = dir.join("a-seed-9.json");
    run(&dir.join("config-a.json"), "9", &a_again);
    let c = compare_all_free(&a, &a_again);
    assert_eq!(c["question"], "spread", "{c}");
    let verdict = c["verdict"].as_str().unwrap();
    assert!(
        verdict.contains("std") && !verdict.contains("better"),
        "{verdict}"
    );

    // A condition against itself is the same runs twice: no comparison (issue 34 item 13;
    // it once ran a t-test on identical runs and said "beats in 50%").
    for condition in ["all-fixed", "all-free"] {
        let output = binary()
            .arg("compare")
            .arg(&a)
            .args(["--a", condition, "--b", condition])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("are the same runs"));
    }

    let output = binary()
        .arg("compare")
        .arg(&a)
        .args(["--a", "only-gpu", "--b", "all-free"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--a") && stderr.contains("all-fixed, all-free"),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_ends_the_cli_quietly() {
    use std::io::Read;
    let dir = temp_dir("pipe");
    let mut child = binary()
        .args([
            "run",
            "--quiet",
            "--repeats",
            "2",
            "--conditions",
            "all-fixed",
            "--seed",
            "1",
            "--out",
        ])
        .arg(dir.join("out.json"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the child prints anything, like `seedscope run … | head -0`.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "the CLI panicked: {stderr}");
}
