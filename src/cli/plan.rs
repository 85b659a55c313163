//! `seedscope plan RESULTS.json [--condition C]`: how many runs do I need? From the spread of
//! one condition's runs (all-free unless named): the repeats that pin its mean within ±ε, the repeats per side that
//! detect a difference δ, and how the estimates settled as runs accumulated.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::common::{Failure, bad_input, condition_runs};
use crate::analysis::runs_needed::{
    RunningEstimate, RunsPlan, default_delta, default_epsilon, plan_runs, running_estimates,
    running_estimates_at,
};
use crate::analysis::summary::format_value;

/// The condition planned from when none is named: every source free, the spread a user who
/// fixes no seed sees from run to run.
const DEFAULT_CONDITION: &str = "all-free";

/// A metric value as the tables print it.
fn value(x: f64) -> String {
    format_value(Some(x))
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// A results file written by `seedscope run`, `merge` or the app, or a settings study's
    /// file (`run --vary`).
    pub results: PathBuf,
    /// The condition whose spread to plan from [default: all-free, the spread of a run with
    /// no seed fixed]; in a study's file SETTING/CONDITION [default: the first setting's
    /// all-free].
    #[arg(long)]
    pub condition: Option<String>,
    /// Pin the mean within ±EPSILON at 95% confidence [default: 0.005 for accuracy (half a
    /// point); else 5% of the metric's spread over the file].
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// Detect a difference DELTA between two settings with 80% power at α = 0.05 [default:
    /// 0.01 for accuracy; else 10% of the metric's spread over the file].
    #[arg(long)]
    pub delta: Option<f64>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct PlanJson<'a> {
    #[serde(flatten)]
    plan: &'a RunsPlan,
    enough_for_epsilon: bool,
    convergence: Vec<RunningEstimate>,
}

/// A positive, finite value for `flag`.
fn positive(flag: &str, value: Option<f64>) -> Result<Option<f64>, Failure> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(bad_input(format!(
            "{flag}: {v} is out of range; allowed: a number above 0"
        ))),
        other => Ok(other),
    }
}

/// A study's first setting's all-free: what `plan` reads of a study's file by default.
fn first_setting(path: &std::path::Path) -> Option<String> {
    // Only a study is read here: a 0.8 GB results file is not read twice to find it is not one.
    if !super::study_side::starts_as_study(path) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let study = crate::records::study_file::StudyFile::from_json(&text).ok()?;
    Some(format!(
        "{}/{DEFAULT_CONDITION}",
        study.settings.first()?.setting.label
    ))
}

pub(super) fn plan_command(args: PlanArgs) -> Result<(), Failure> {
    let epsilon = positive("--epsilon", args.epsilon)?;
    let delta = positive("--delta", args.delta)?;
    let (selector, flag) = match &args.condition {
        Some(condition) => (condition.clone(), "--condition"),
        None => (
            first_setting(&args.results).unwrap_or_else(|| DEFAULT_CONDITION.to_string()),
            "--condition (default all-free)",
        ),
    };
    let side = super::study_side::load_side(&args.results, &selector, flag)?;
    let results = side.results;
    let condition = selector.as_str();
    let runs = condition_runs(&results, &side.condition, flag, &args.results)?;
    let values: Vec<f64> = runs
        .iter()
        .filter(|r| r.error.is_none())
        .filter_map(|r| r.final_test_metric)
        .collect();
    let metric = runs[0].metric.clone();
    let every: Vec<f64> = results
        .runs
        .iter()
        .filter_map(|r| r.final_test_metric)
        .collect();
    let epsilon = epsilon.unwrap_or_else(|| default_epsilon(&metric, &every));
    let delta = delta.unwrap_or_else(|| default_delta(&metric, &every));
    let plan = plan_runs(condition, &values, epsilon, delta).ok_or_else(|| {
        bad_input(format!(
            "--condition {condition}: needs at least 2 finished runs to estimate a spread; it has {}",
            values.len()
        ))
    })?;
    if args.json {
        let convergence = running_estimates(&values);
        let json = PlanJson {
            plan: &plan,
            enough_for_epsilon: plan.enough_for_epsilon(),
            convergence,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serialises")
        );
        return Ok(());
    }
    // The table shows n ≤ 3, every fifth n and the last: only those are estimated (each costs
    // O(n) and three inverse CDFs; at 12,500 runs all of them were most of `plan`'s time).
    let shown: Vec<usize> = (1..=values.len())
        .filter(|&n| n <= 3 || n.is_multiple_of(5) || n == values.len())
        .collect();
    let convergence = running_estimates_at(&values, &shown);
    for line in plan_lines(&plan, &metric, &convergence) {
        println!("{line}");
    }
    Ok(())
}

fn runs_text(runs: Option<usize>) -> String {
    runs.map_or_else(
        || format!("more than {}", crate::analysis::runs_needed::MAX_RUNS),
        |n| n.to_string(),
    )
}

use crate::engine::metric::Metric;

fn plan_lines(plan: &RunsPlan, metric: &Metric, convergence: &[RunningEstimate]) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{}: {} runs, mean test {metric} {}, std {}",
            plan.condition,
            plan.n,
            value(plan.mean),
            value(plan.std)
        ),
        format!(
            "mean within ±{}: {} runs needed at 95% confidence; with {} runs it is known within \
             ±{} ({})",
            value(plan.epsilon),
            runs_text(plan.runs_for_epsilon),
            plan.n,
            format_value(plan.half_width_now),
            if plan.enough_for_epsilon() {
                "enough"
            } else {
                "not enough yet"
            }
        ),
        format!(
            "a difference of {} between two settings that spread like this: {} runs per side \
             for {:.0}% power at α = {} (two-sided Welch, equal spreads; shifted-t \
             approximation of the noncentral t)",
            value(plan.delta),
            runs_text(plan.runs_per_side_for_delta),
            plan.power * 100.0,
            plan.alpha
        ),
        "convergence (running mean and std with 95% intervals):".to_string(),
        format!(
            "  {:>4}  {:>8}  {:>19}  {:>8}  {:>19}",
            "n", "mean", "95% CI", "std", "95% CI"
        ),
    ];
    let interval = |ci: Option<(f64, f64)>| {
        ci.map_or("—".into(), |(lo, hi)| {
            format!("[{}, {}]", value(lo), value(hi))
        })
    };
    for e in convergence {
        lines.push(format!(
            "  {:>4}  {:>8}  {:>19}  {:>8}  {:>19}",
            e.n,
            value(e.mean),
            interval(e.mean_ci),
            format_value(e.std),
            interval(e.std_ci)
        ));
    }
    lines
}
