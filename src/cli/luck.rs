//! `seedscope luck RESULTS.json`: how lucky was the fixed seed? The fixed-seed result
//! (all-fixed) read against the runs with every source free (all-free).

use std::path::PathBuf;

use clap::Args;

use super::common::{Failure, bad_input, condition_runs, shared_test_set_noise};
use crate::analysis::compare::Question;
use crate::analysis::noise_reading::difference_noise_line;
use crate::analysis::reading::{
    LuckReading, PairReading, Side, gap_side, ordinal, percentile_text, read_pair,
};
use crate::analysis::summary::format_value;
use crate::analysis::summary::{finished_outcomes, metric_of};
use crate::engine::metric::Metric;

/// A metric value as the tables print it.
fn value(x: f64) -> String {
    format_value(Some(x))
}
use crate::records::ResultsFile;

#[derive(Args, Debug)]
pub struct LuckArgs {
    /// A results file written by `seedscope run`, `merge` or the app.
    pub results: PathBuf,
    /// The condition whose runs are one outcome: the result a fixed seed reports.
    #[arg(long, default_value = "all-fixed")]
    pub fixed: String,
    /// The condition it is read against: what training gives when nothing is fixed.
    #[arg(long, default_value = "all-free")]
    pub free: String,
    /// Print one JSON object (`kind: "seed_luck"`) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn luck_command(args: LuckArgs) -> Result<(), Failure> {
    let results = ResultsFile::load_for_analysis(&args.results).map_err(bad_input)?;
    let fixed_runs = condition_runs(&results, &args.fixed, "--fixed", &args.results)?;
    let free_runs = condition_runs(&results, &args.free, "--free", &args.results)?;
    let (fixed_values, fixed_hashes) = finished_outcomes(fixed_runs.iter().copied());
    let (free_values, free_hashes) = finished_outcomes(free_runs.iter().copied());
    let distinct = fixed_hashes
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len();
    if distinct != 1 {
        return Err(bad_input(format!(
            "--fixed {}: its {} runs are {distinct} different outcomes, not one; seed luck reads \
             the one result a fixed seed gives (e.g. all-fixed)",
            args.fixed,
            fixed_hashes.len()
        )));
    }
    let metric = metric_of(fixed_runs.iter().copied()).unwrap_or(Metric::Accuracy);
    let reading = read_pair(
        Side {
            name: &args.fixed,
            values: &fixed_values,
            hashes: &fixed_hashes,
        },
        Side {
            name: &args.free,
            values: &free_values,
            hashes: &free_hashes,
        },
        metric.higher_is_better(),
        Question::Spread,
    )
    .map_err(|message| bad_input(format!("{}: {message}", args.results.display())))?;
    let PairReading::SeedLuck(luck) = reading else {
        return Err(bad_input(format!(
            "--free {}: its runs are one outcome too; seed luck needs a condition that spreads \
             (e.g. all-free)",
            args.free
        )));
    };
    let noise = shared_test_set_noise((&results, &fixed_runs), (&results, &free_runs), &metric);
    if args.json {
        let mut value = serde_json::to_value(PairReading::SeedLuck(luck)).expect("serialises");
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "test_set_noise".into(),
                serde_json::to_value(&noise).expect("serialises"),
            );
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).expect("serialises")
        );
        return Ok(());
    }
    for line in luck_lines(&luck, &metric, results.master_seed) {
        println!("{line}");
    }
    if let Some(noise) = &noise {
        println!("{}", difference_noise_line(noise, &metric));
    }
    Ok(())
}

/// The seed-luck reading in lines of text (`luck`, and `compare` when one side is fixed).
pub fn luck_lines(reading: &LuckReading, metric: &Metric, master_seed: u64) -> Vec<String> {
    let l = &reading.luck;
    let (free, n) = (&reading.free_condition, l.n_free);
    let mut lines = vec![
        format!(
            "{}: one outcome ({} bitwise identical runs) with master seed {master_seed}: test {metric} {}",
            reading.fixed_condition,
            reading.fixed_runs,
            value(l.fixed)
        ),
        format!(
            "{free}: {n} runs, median {}, IQR {}, best {}, worst {}",
            value(l.median),
            value(l.iqr),
            value(l.best),
            value(l.worst)
        ),
        format!(
            "seed luck: the result you would have reported with seed {master_seed} sits at the {} \
             of what {free} gives (95% CI: {} to {}), {} the typical run (the median)",
            percentile_text(l.percentile),
            ordinal(l.percentile_ci.0),
            ordinal(l.percentile_ci.1),
            gap_side(l.gap, metric),
        ),
    ];
    lines.push(format!(
        "a cherry-picked best-of-{n} seed reports {}, {} the median",
        value(l.best),
        gap_side(l.best - l.median, metric)
    ));
    let best_of: Vec<String> = l
        .best_of_k
        .iter()
        .map(|(k, v)| format!("best of {k}: {}", value(*v)))
        .collect();
    lines.push(format!(
        "expected result when picking the best of k seeds: {}",
        best_of.join(", ")
    ));
    lines.push(format!(
        "no t-test: {} has no spread, so its {} runs are one observation, not {}; fixing seeds \
         makes a result repeatable, not representative",
        reading.fixed_condition, reading.fixed_runs, reading.fixed_runs
    ));
    lines.push(format!("verdict: {}", reading.verdict));
    lines
}
