//! `seedscope compare`: is a difference between two conditions real? Two spreads are
//! compared (Welch, P(A>B)); a side that is one outcome is read as seed luck instead.

use std::path::PathBuf;

use clap::Args;

use super::common::{Failure, bad_input, condition_runs, shared_test_set_noise};
use super::luck::luck_lines;
use super::study_side::load_side;
use crate::analysis::compare::{Comparison, Question};
use crate::analysis::noise_reading::difference_noise_line;
use crate::analysis::paired::{PairedComparison, pair_by_seeds, paired};
use crate::analysis::reading::{PairReading, Side, read_pair};
use crate::analysis::summary::{finished_outcomes, metric_of};
use crate::engine::metric::Metric;
use crate::engine::record::RunRecord;
use crate::records::store::key::settings_hash;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// A results file written by `seedscope run` or the app, or a settings study's file
    /// (`run --vary`), whose sides are SETTING/CONDITION.
    pub results: PathBuf,
    /// Condition A (e.g. all-fixed); in a study's file, a setting and condition
    /// (e.g. 'learning_rate=0.01/all-free').
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

pub(super) fn compare_command(args: CompareArgs) -> Result<(), Failure> {
    let side_a = load_side(&args.results, &args.a, "--a")?;
    let b_path = args.b_file.clone().unwrap_or_else(|| args.results.clone());
    let side_b = load_side(&b_path, &args.b, "--b")?;
    let (results_a, results_b) = (&side_a.results, &side_b.results);
    let runs_a = condition_runs(results_a, &side_a.condition, "--a", &args.results)?;
    let runs_b = condition_runs(results_b, &side_b.condition, "--b", &b_path)?;
    let same_runs = |a: &[&RunRecord], b: &[&RunRecord]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| std::ptr::eq(*x, *y) || x.id() == y.id())
    };
    let same_file = args
        .b_file
        .as_ref()
        .is_none_or(|b| crate::records::output::same_file(&args.results, b));
    if same_file && side_a.setting == side_b.setting && same_runs(&runs_a, &runs_b) {
        return Err(bad_input(format!(
            "--a and --b are the same runs (`{}` of {}); a comparison needs two different sets: \
             another condition, or --b-file with another sweep",
            crate::engine::files::quote(&args.a),
            args.results.display()
        )));
    }
    let metric = metric_of(runs_a.iter().copied());
    let metric_b = metric_of(runs_b.iter().copied());
    let measured = |metric: &Option<Metric>| {
        metric
            .as_ref()
            .map_or("nothing (no finished runs)".to_string(), Metric::to_string)
    };
    if metric_b != metric {
        let (flag, whose) = match &args.b_file {
            Some(path) => (
                "--b-file",
                format!("{}'s condition `{}`", path.display(), args.b),
            ),
            None => ("--b", format!("condition `{}`", args.b)),
        };
        return Err(bad_input(format!(
            "{flag}: {whose} is measured in {}, but `{}` in {}; compare like with like",
            measured(&metric_b),
            args.a,
            measured(&metric),
        )));
    }
    let metric = metric.unwrap_or(Metric::Accuracy);
    let (values_a, hashes_a) = finished_outcomes(runs_a.iter().copied());
    let (values_b, hashes_b) = finished_outcomes(runs_b.iter().copied());
    let label = |name: &str, file: &Option<PathBuf>| match file {
        Some(path) => format!("{name} ({})", path.display()),
        None => name.to_string(),
    };
    let name_b = label(&args.b, &args.b_file);
    // Two conditions of one setting are two randomness settings, not competitors: their
    // spreads are compared. Another file with other settings is a competitor.
    let question = if settings_hash(&results_a.config) == settings_hash(&results_b.config) {
        Question::Spread
    } else {
        Question::Better
    };
    let reading = read_pair(
        Side {
            name: &args.a,
            values: &values_a,
            hashes: &hashes_a,
        },
        Side {
            name: &name_b,
            values: &values_b,
            hashes: &hashes_b,
        },
        metric.higher_is_better(),
        question,
    )
    // Too few runs to compare is bad input (exit 2), as for `luck`.
    .map_err(|message| bad_input(format!("{}: {message}", args.results.display())))?;
    let noise = shared_test_set_noise((results_a, &runs_a), (results_b, &runs_b), &metric);
    let paired = match (&reading, question) {
        (PairReading::Difference(c), Question::Better) => common_seeds(c, &runs_a, &runs_b),
        _ => None,
    };
    if args.json {
        // The reading's own keys, plus `test_set_noise` (null where the sides were not
        // scored on the same points).
        let mut value = serde_json::to_value(&reading).expect("serialises");
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "test_set_noise".into(),
                serde_json::to_value(&noise).expect("serialises"),
            );
            if question == Question::Better {
                // Two settings: their runs compared pair by pair where they drew the same
                // seeds (null where none did).
                map.insert(
                    "paired".into(),
                    serde_json::to_value(&paired).expect("serialises"),
                );
            }
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).expect("serialises")
        );
        return Ok(());
    }
    match &reading {
        PairReading::Difference(c) => {
            print_difference(c, &metric);
            if let Some(p) = &paired {
                print_paired(p);
            }
        }
        PairReading::SeedLuck(luck) => {
            // The master seed is the fixed side's: its file's.
            let seed = if luck.fixed_side == "a" || args.b_file.is_none() {
                results_a.master_seed
            } else {
                results_b.master_seed
            };
            for line in luck_lines(luck, &metric, seed) {
                println!("{line}");
            }
        }
        PairReading::FixedDifference(pair) => {
            println!(
                "A = {}: one outcome, test {metric} {:.4}",
                pair.a, pair.value_a
            );
            println!(
                "B = {}: one outcome, test {metric} {:.4}",
                pair.b, pair.value_b
            );
            println!("verdict: {}", pair.verdict);
        }
    }
    if let Some(noise) = &noise {
        println!("{}", difference_noise_line(noise, &metric));
    }
    Ok(())
}

/// Two settings' runs paired where run i of each drew the same seeds for every source (the
/// same master seed and condition): the difference each pair shows is the setting's alone.
fn common_seeds(
    c: &Comparison,
    runs_a: &[&RunRecord],
    runs_b: &[&RunRecord],
) -> Option<PairedComparison> {
    let (a, b) = pair_by_seeds(seeded_outcomes(runs_a), seeded_outcomes(runs_b))?;
    paired(
        &c.a,
        &a,
        &c.b,
        &b,
        c.higher_is_better,
        (c.ci_high - c.ci_low) / 2.0,
    )
}

/// (run index, seeds, final metric) of each finished run.
fn seeded_outcomes<'a>(
    runs: &[&'a RunRecord],
) -> Vec<(usize, &'a std::collections::BTreeMap<String, u64>, f64)> {
    runs.iter()
        .filter(|r| r.error.is_none())
        .filter_map(|r| Some((r.run_index, &r.seeds, r.final_test_metric?)))
        .collect()
}

/// The paired reading, after the unpaired one.
fn print_paired(p: &PairedComparison) {
    println!(
        "paired by common seeds ({} pairs of runs that drew the same seeds): mean(A − B) = {:+.4}, \
         95% CI [{:+.4}, {:+.4}], p = {:.3e}",
        p.pairs, p.mean_diff, p.ci_low, p.ci_high, p.p
    );
    println!("paired verdict: {}", p.verdict);
}

/// Two spreads compared: the figures (levels, then spreads), then the verdict.
fn print_difference(c: &Comparison, metric: &Metric) {
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
        "std(A) = {:.4}, std(B) = {:.4}, std(A)/std(B) = {:.2}, 95% bootstrap CI [{:.2}, {:.2}]",
        c.std_a, c.std_b, c.std_ratio, c.std_ratio_ci_low, c.std_ratio_ci_high
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
}
