//! A settings study (`run --vary`): every setting runs under the same master seed, so run r
//! of each draws the same per-source seeds; pairing the runs by those seeds narrows the
//! interval of the difference against the unpaired reading of the same runs; a command's
//! `{FIELD}` is filled per setting; and a bad `--vary` is refused naming what is wrong.

mod common;

use common::{binary, said, succeeded, temp_dir};
use seedscope::analysis::compare::welch;
use seedscope::analysis::sample::mean_ci95;
use seedscope::records::study_file::StudyFile;

/// The built-in circles trained to convergence (100 epochs, where 0.001 has caught up), all
/// sources free: the study the issue names, learning rate 0.01 against 0.001, 30 runs each.
fn learning_rate_study(folder: &std::path::Path) -> (StudyFile, String) {
    let preset = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/presets/circles.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(preset).unwrap()).unwrap();
    config["training"]["epochs"] = 100.into();
    let file = folder.join("circles-100.json");
    std::fs::write(&file, config.to_string()).unwrap();
    let out = folder.join("study.json");
    let output = succeeded(
        binary()
            .args(["run", "--quiet", "--seed", "42", "--config"])
            .arg(&file)
            .args(["--conditions", "all-free,only-init", "--repeats", "30"])
            .args(["--vary", "training.learning_rate=0.01,0.001", "--out"])
            .arg(&out),
    );
    let text = std::fs::read_to_string(&out).unwrap();
    (StudyFile::from_json(&text).unwrap(), said(&output))
}

#[test]
fn every_setting_draws_the_same_seeds_and_pairing_narrows_the_interval() {
    let folder = temp_dir("study-lr");
    let (study, printed) = learning_rate_study(&folder);
    assert_eq!(study.settings.len(), 2);
    let [fast, slow] = [&study.settings[0].results, &study.settings[1].results];
    assert_eq!(fast.config.training.learning_rate, 0.01);
    assert_eq!(slow.config.training.learning_rate, 0.001);
    // Run r of each setting drew the same seed for every source; the setting alone moved
    // the weights.
    assert_eq!(fast.runs.len(), 60);
    for (a, b) in fast.runs.iter().zip(&slow.runs) {
        assert_eq!((a.condition, a.run_index), (b.condition, b.run_index));
        assert_eq!(a.seeds, b.seeds, "run {} of {}", a.run_index, a.condition);
        assert_ne!(a.weights_hash, b.weights_hash);
    }
    // The paired interval, recomputed from the runs, is narrower than Welch's on the same runs.
    let all_free = |results: &seedscope::records::ResultsFile| -> Vec<f64> {
        results
            .runs
            .iter()
            .filter(|r| r.condition == seedscope::engine::seeds::Condition::ALL_FREE)
            .map(|r| r.final_test_metric.unwrap())
            .collect()
    };
    let (a, b) = (all_free(fast), all_free(slow));
    let differences: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let (low, high) = mean_ci95(&differences).unwrap();
    let (_, _, _, welch_low, welch_high) = welch(&a, &b).unwrap();
    assert!(
        (welch_high - welch_low) > 1.5 * (high - low),
        "paired [{low}, {high}] against unpaired [{welch_low}, {welch_high}]"
    );
    // The file's reading says the same, paired, with the rank test and effect size.
    let reading = study
        .readings
        .iter()
        .find(|r| r.condition == "all-free")
        .unwrap();
    let pair = &reading.pairs[0];
    assert!(pair.paired && pair.n == 30, "{pair:?}");
    assert_eq!(pair.test, "Wilcoxon signed-rank");
    assert!((pair.ci.0 - low).abs() < 1e-12 && (pair.ci.1 - high).abs() < 1e-12);
    assert!(pair.narrower.unwrap() > 1.5, "{pair:?}");
    assert_eq!(pair.a_wins + pair.b_wins + pair.ties, 30);
    assert!(
        printed.contains("all-free across the settings:"),
        "{printed}"
    );
    assert!(printed.contains(&pair.verdict), "{printed}");
    assert!(
        printed.contains("× narrower than the unpaired one"),
        "{printed}"
    );
    // Test-set noise of the difference: read where both settings scored the same points
    // (only-init: data and split fixed), never where each run drew its own (all-free).
    assert!(pair.test_set_noise.is_none(), "{pair:?}");
    let init = study
        .readings
        .iter()
        .find(|r| r.condition == "only-init")
        .unwrap();
    let noise = init.pairs[0]
        .test_set_noise
        .as_ref()
        .expect("shared points");
    assert_eq!(noise.test_points, 90);
    assert!(noise.noise_std > 0.0);
    assert!(printed.contains("shared test points"), "{printed}");
}

#[test]
fn a_commands_placeholder_is_filled_per_setting() {
    let folder = temp_dir("study-command");
    // The score moves with the seed (the same in both settings) and the setting's bonus.
    std::fs::write(
        folder.join("score.sh"),
        "echo \"accuracy $(( 50 + $2 % 7 + $1 ))/100\"\n",
    )
    .unwrap();
    let out = folder.join("study.json");
    let output = succeeded(
        binary()
            .current_dir(&folder)
            .args(["run", "--quiet", "--seed", "3", "--repeats", "8"])
            .args(["--command", "sh score.sh {bonus} {seed}", "--workdir"])
            .arg(&folder)
            .args(["--metric", r"accuracy (?P<correct>\d+)/(?P<total>\d+)"])
            .args(["--metric-name", "accuracy", "--higher-is-better"])
            .args(["--conditions", "only-seed", "--vary", "bonus=0,3", "--out"])
            .arg(&out),
    );
    let study = StudyFile::from_json(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let argv = |i: usize| {
        study.settings[i]
            .results
            .config
            .command
            .as_ref()
            .unwrap()
            .argv
            .clone()
    };
    assert_eq!(argv(0), ["sh", "score.sh", "0", "{seed}"]);
    assert_eq!(argv(1), ["sh", "score.sh", "3", "{seed}"]);
    let pair = &study.readings[0].pairs[0];
    // Every pair differs by exactly the bonus: 3 points of 100, to the run.
    assert!(pair.paired, "{pair:?}");
    assert!((pair.mean_diff + 0.03).abs() < 1e-12, "{pair:?}");
    assert_eq!(pair.b_wins, 8);
    assert!(
        said(&output).contains("bonus=3 beats bonus=0 in 8 of 8 paired runs"),
        "{}",
        said(&output)
    );
}

#[test]
fn a_bad_vary_is_refused_naming_the_field() {
    let folder = temp_dir("study-refusals");
    let out = folder.join("study.json");
    for (args, expected) in [
        (
            vec!["--vary", "training.lr=0.1,0.01"],
            "--vary training.lr: the experiment has no such field; the fields under training:",
        ),
        (
            vec!["--vary", "model.dropout=0.1,1.5"],
            "--vary model.dropout=1.5: model.dropout: 1.5 is out of range",
        ),
        (
            vec!["--vary", "model.dropout=0.1"],
            "a comparison needs at least 2 distinct values",
        ),
        (
            vec!["--command", "sh t.sh {seed}", "--vary", "lr=1,2"],
            "--vary lr: the command line has no {lr} to fill",
        ),
    ] {
        let output = binary()
            .current_dir(&folder)
            .args(["run", "--seed", "1", "--out"])
            .arg(&out)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", said(&output));
        assert!(
            said(&output).contains(expected),
            "{args:?}: {}",
            said(&output)
        );
        assert!(!out.exists(), "nothing is written");
    }
}

#[test]
fn compare_and_plan_read_a_study_file_by_setting() {
    let folder = temp_dir("study-readers");
    let out = folder.join("study.json");
    succeeded(
        binary()
            .args(["run", "--quiet", "--seed", "5", "--repeats", "6"])
            .args(["--conditions", "all-free,only-init"])
            .args(["--vary", "training.learning_rate=0.01,0.005", "--out"])
            .arg(&out),
    );
    let compared = succeeded(binary().arg("compare").arg(&out).args([
        "--a",
        "learning_rate=0.01",
        "--b",
        "learning_rate=0.005",
    ]));
    let text = said(&compared);
    assert!(
        text.contains("A = learning_rate=0.01: n = 6")
            && text.contains("paired by common seeds (6 pairs"),
        "{text}"
    );
    let planned = succeeded(
        binary()
            .arg("plan")
            .arg(&out)
            .args(["--condition", "learning_rate=0.005/only-init"]),
    );
    assert!(
        said(&planned).starts_with("learning_rate=0.005/only-init: 6 runs"),
        "{}",
        said(&planned)
    );
    let unknown = binary()
        .arg("compare")
        .arg(&out)
        .args(["--a", "lr=0.01", "--b", "learning_rate=0.005"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        said(&unknown).contains(
            "no setting `lr=0.01`; its settings: `learning_rate=0.01`, `learning_rate=0.005`"
        ),
        "{}",
        said(&unknown)
    );
}
