//! `seedscope compare`: is a difference between two conditions real?

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{Failure, bad_input};
use crate::engine::record::RunRecord;
use crate::records::ResultsFile;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// A results file written by `seedscope run` or the app.
    pub results: PathBuf,
    /// Condition A (e.g. all-fixed).
    #[arg(long)]
    pub a: String,
    /// Condition B (e.g. all-free).
    #[arg(long)]
    pub b: String,
    /// Take B from this other results file (e.g. the same sweep with dropout 0.2).
    #[arg(long)]
    pub b_file: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The final metrics and weight hashes of one condition in a results file.
fn condition_runs<'a>(
    results: &'a ResultsFile,
    condition: &str,
    flag: &str,
    path: &Path,
) -> Result<Vec<&'a RunRecord>, Failure> {
    let runs: Vec<_> = results
        .runs
        .iter()
        .filter(|r| r.condition == condition)
        .collect();
    if runs.is_empty() {
        let names: Vec<String> = results
            .summary
            .iter()
            .map(|s| s.condition.clone())
            .collect();
        return Err(bad_input(format!(
            "{flag}: no runs of condition `{condition}` in {}; it has: {}",
            path.display(),
            names.join(", ")
        )));
    }
    Ok(runs)
}

pub(super) fn compare_command(args: CompareArgs) -> Result<(), Failure> {
    let results_a = ResultsFile::load(&args.results).map_err(bad_input)?;
    let b_path = args.b_file.clone().unwrap_or_else(|| args.results.clone());
    let results_b = match &args.b_file {
        Some(path) => ResultsFile::load(path).map_err(bad_input)?,
        None => results_a.clone(),
    };
    let runs_a = condition_runs(&results_a, &args.a, "--a", &args.results)?;
    let runs_b = condition_runs(&results_b, &args.b, "--b", &b_path)?;
    let metric = runs_a[0].metric.clone();
    if runs_b[0].metric != metric {
        return Err(bad_input(format!(
            "--b-file: its metric is {}, but A's is {metric}; compare like with like",
            runs_b[0].metric
        )));
    }
    let values = |runs: &[&RunRecord]| -> Vec<f64> {
        runs.iter().filter_map(|r| r.final_test_metric).collect()
    };
    let hashes: std::collections::HashSet<&str> = runs_a
        .iter()
        .chain(&runs_b)
        .map(|r| r.weights_hash.as_str())
        .collect();
    let label = |name: &str, file: &Option<PathBuf>| match file {
        Some(path) => format!("{name} ({})", path.display()),
        None => name.to_string(),
    };
    let name_b = label(&args.b, &args.b_file);
    let comparison = crate::analysis::compare::compare(
        &args.a,
        &values(&runs_a),
        &name_b,
        &values(&runs_b),
        metric != "mse",
        hashes.len() == 1,
    )
    .map_err(|message| Failure { code: 1, message })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&comparison).expect("serialises")
        );
        return Ok(());
    }
    let c = &comparison;
    println!(
        "A = {}: n = {}, mean test {metric} {:.4}",
        c.a, c.n_a, c.mean_a
    );
    println!(
        "B = {}: n = {}, mean test {metric} {:.4}",
        c.b, c.n_b, c.mean_b
    );
    println!(
        "mean(A) − mean(B) = {:+.4}, 95% CI [{:+.4}, {:+.4}]",
        c.mean_diff, c.ci_low, c.ci_high
    );
    println!(
        "Welch's t = {:.3}, df = {:.1}, p = {:.3e}",
        c.welch_t, c.welch_df, c.welch_p
    );
    println!(
        "P(A > B) = {:.3}, 95% bootstrap CI [{:.3}, {:.3}] ({} resamples)",
        c.p_a_gt_b,
        c.p_ci_low,
        c.p_ci_high,
        crate::analysis::sample::BOOTSTRAP_RESAMPLES
    );
    println!("verdict: {}", c.verdict);
    Ok(())
}
