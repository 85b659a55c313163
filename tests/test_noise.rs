//! Test-set noise and fresh data (docs/test-set-noise.md) on real training: the fresh score, the noise
//! estimate against an independent computation, where the estimate is refused, and k-fold.

mod common;

use std::collections::HashSet;

use common::*;
use seedscope::analysis::summary::summarize_conditions;
use seedscope::engine::config::SplitMode;
use seedscope::engine::data::{self, fresh::FRESH_POINTS};
use seedscope::engine::record::RunRecord;
use seedscope::engine::replay::{ReplayVerdict, replay};
use seedscope::engine::seeds::{Condition, RunSeeds, Source};
use seedscope::engine::train::{RunPlan, train_run};
use seedscope::records::ResultsFile;

fn only(source: Source) -> Condition {
    Condition::only(source)
}

#[test]
fn fresh_scores_are_recorded_reproducible_and_narrower_than_the_test_set() {
    let conditions = [
        Condition::ALL_FIXED,
        only(Source::Init),
        only(Source::Dropout),
        only(Source::Shuffle),
        only(Source::Split),
    ];
    let config = default_with(&conditions, 30);
    let runs = sweep(&config, SEED, 2);
    assert!(
        runs.iter().all(|r| r.fresh_metric.is_some()),
        "a run without a fresh score"
    );
    let summaries = summarize_conditions(&config.conditions, &runs);
    let mut bound_holds = 0;
    for s in &summaries[1..4] {
        let (test_std, fresh_std) = (s.std.unwrap(), s.fresh_std.unwrap());
        assert!(
            fresh_std < test_std,
            "{}: fresh std {fresh_std} not below the test-set std {test_std}",
            s.condition
        );
        assert!(
            s.noise_share.unwrap() > 0.0 && s.test_points == Some(90),
            "{s:?}"
        );
        bound_holds += usize::from(s.true_std_upper.unwrap() >= fresh_std);
    }
    assert!(
        bound_holds >= 2,
        "true_std_upper ≥ fresh_std in only {bound_holds} of 3"
    );
    // A free split tests each run on different points: no estimate, and it says why.
    let split = &summaries[4];
    assert_eq!((split.noise_share, split.true_std), (None, None));
    assert!(
        split
            .noise_note
            .as_deref()
            .unwrap()
            .contains("different test points")
    );
    assert!(split.fresh_std.is_some());
    // all-fixed: one fresh score, the same in one worker as in two.
    let fixed: HashSet<u64> = runs
        .iter()
        .filter(|r| r.condition == "all-fixed")
        .map(|r| r.fresh_metric.unwrap().to_bits())
        .collect();
    assert_eq!(fixed.len(), 1);
    let alone = sweep(&default_with(&[Condition::ALL_FIXED], 2), SEED, 1);
    assert!(
        alone
            .iter()
            .all(|r| fixed.contains(&r.fresh_metric.unwrap().to_bits()))
    );
}

#[test]
fn the_fresh_score_is_the_same_in_another_process() {
    let dir = temp_dir("fresh-process");
    let out = dir.join("fixed.json");
    let status = binary()
        .args([
            "run",
            "--conditions",
            "all-fixed",
            "--repeats",
            "2",
            "--workers",
            "2",
        ])
        .args(["--seed", &SEED.to_string(), "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let results = ResultsFile::load(&out).unwrap();
    let in_process = sweep(&default_with(&[Condition::ALL_FIXED], 1), SEED, 1);
    for run in &results.runs {
        assert_eq!(
            run.fresh_metric.map(f64::to_bits),
            in_process[0].fresh_metric.map(f64::to_bits)
        );
    }
    assert!(results.summary[0].fresh_mean.is_some());
}

#[test]
fn scoring_on_fresh_data_changes_no_weight() {
    let config = default_with(&[only(Source::Init)], 1);
    let scored = RunPlan::new(&config, SEED, only(Source::Init), 0);
    let unscored = RunPlan {
        fresh_seed: None,
        ..scored.clone()
    };
    let a = train_run(&config, &scored, &mut |_| true).unwrap();
    let b = train_run(&config, &unscored, &mut |_| true).unwrap();
    assert!(a.fresh_metric.is_some() && b.fresh_metric.is_none());
    assert_eq!(a.weights_hash, b.weights_hash);
    assert_eq!(a.test_predictions, b.test_predictions);
}

/// The runs' errors on their shared test points, rebuilt from what they stored (predicted
/// classes) and from the labels of the data set regenerated from their recorded seeds.
fn errors_from_predictions(
    config: &seedscope::engine::config::ExperimentConfig,
    runs: &[&RunRecord],
) -> Vec<Vec<f64>> {
    runs.iter()
        .map(|run| {
            let seeds = RunSeeds::from_map(&run.seeds).unwrap();
            let dataset = data::generate(&config.data, &mut seeds.rng(Source::Data));
            run.test_indices
                .iter()
                .zip(&run.test_predictions)
                .map(|(&row, &predicted)| {
                    f64::from(u8::from(predicted as usize != dataset.class_of(row)))
                })
                .collect()
        })
        .collect()
}

#[test]
fn noise_std_matches_an_independent_computation_from_the_stored_predictions() {
    let config = default_with(&[only(Source::Init)], 20);
    let runs = sweep(&config, SEED, 2);
    let of_condition: Vec<&RunRecord> = runs.iter().collect();
    let errors = errors_from_predictions(&config, &of_condition);
    let n = errors[0].len();
    let r = errors.len() as f64;
    let mut total = 0.0;
    for i in 0..n {
        let column: Vec<f64> = errors.iter().map(|row| row[i]).collect();
        let mean = column.iter().sum::<f64>() / r;
        total += column.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (r - 1.0);
    }
    let expected = (total / (n * n) as f64).sqrt();
    let summary = &summarize_conditions(&config.conditions, &runs)[0];
    let noise_std = summary.noise_std.unwrap();
    assert!(
        (noise_std - expected).abs() < 1e-12,
        "noise_std {noise_std} vs independent {expected}"
    );
    assert!(expected > 0.0, "only-init disputes no test point at all");
}

#[test]
fn fixed_tables_have_a_noise_estimate_but_no_fresh_data() {
    let mut config = seedscope::engine::presets::find("iris")
        .unwrap()
        .config()
        .unwrap();
    config.conditions = vec![only(Source::Init)];
    config.repeats = 5;
    config.training.epochs = 5;
    let runs = sweep(&config, SEED, 2);
    assert!(runs.iter().all(|r| r.fresh_metric.is_none()));
    let summary = &summarize_conditions(&config.conditions, &runs)[0];
    assert_eq!((summary.fresh_mean, summary.fresh_std), (None, None));
    assert!(summary.noise_std.is_some());
}

#[test]
fn k_fold_runs_test_on_disjoint_stratified_folds_that_cover_every_row_and_replay() {
    let mut config = default_with(&[only(Source::Split)], 5);
    config.data.split = SplitMode::KFold;
    config.data.k = 5;
    config.training.epochs = 3;
    let runs = sweep(&config, SEED, 2);
    let mut seen = vec![0usize; config.data.samples];
    let labels = {
        let seeds = RunSeeds::from_map(&runs[0].seeds).unwrap();
        data::generate(&config.data, &mut seeds.rng(Source::Data))
    };
    for run in &runs {
        for &row in &run.test_indices {
            seen[row] += 1;
        }
        // Circles alternate classes: every fold holds 30 of each.
        let inner = run
            .test_indices
            .iter()
            .filter(|&&row| labels.class_of(row) == 1)
            .count();
        assert_eq!(
            (run.test_indices.len(), inner),
            (60, 30),
            "run {}",
            run.id()
        );
        // The split source picked the fold; data and init stayed fixed.
        assert_eq!(run.fingerprints.data, runs[0].fingerprints.data);
        assert_eq!(run.fingerprints.init, runs[0].fingerprints.init);
        assert!(matches!(
            replay(&config, run).unwrap(),
            ReplayVerdict::Match { .. }
        ));
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "a row tested {:?} times",
        seen.iter().max()
    );
    // With the split fixed, every run tests on the same fold: all-fixed stays one outcome.
    config.conditions = vec![Condition::ALL_FIXED];
    config.repeats = 3;
    let fixed = sweep(&config, SEED, 2);
    assert_eq!(distinct(hashes(&fixed)), 1);
    assert_eq!(fixed[0].test_indices, runs[0].test_indices);
}

#[test]
fn run_prints_the_noise_columns_and_the_reading() {
    let dir = temp_dir("noise-table");
    let output = binary()
        .args([
            "run",
            "--conditions",
            "all-fixed,only-init,only-split",
            "--repeats",
            "6",
        ])
        .args(["--seed", "5", "--out"])
        .arg(dir.join("r.json"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("noise") && text.contains("true std") && text.contains("fresh"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{FRESH_POINTS} fresh points")),
        "{text}"
    );
    assert!(text.contains("no noise estimate for only-split"), "{text}");
}
