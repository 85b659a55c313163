//! The CSV export: one row per run, for pandas or R.

use std::fmt::Write as _;

use crate::engine::record::RunRecord;
use crate::engine::seeds::Source;

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn optional_number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// One row per run, for pandas or R.
pub fn runs_csv(runs: &[RunRecord]) -> String {
    let sources = Source::ALL;
    let mut out = String::from("condition,run_index");
    for source in sources {
        let _ = write!(out, ",seed_{source}");
    }
    out.push_str(",threads,racing,metric,final_train_metric,final_test_metric,epochs_completed,weights_hash,wall_ms,diverged,replayable,error\n");
    for run in runs {
        let _ = write!(
            out,
            "{},{}",
            csv_field(&run.condition.to_string()),
            run.run_index
        );
        for source in sources {
            let seed = run.seeds.get(source.name()).map(|s| s.to_string());
            let _ = write!(out, ",{}", seed.unwrap_or_default());
        }
        let _ = writeln!(
            out,
            ",{},{},{},{},{},{},{},{:.3},{},{},{}",
            run.threads,
            run.racing,
            run.metric,
            optional_number(run.final_train_metric),
            optional_number(run.final_test_metric),
            run.train_loss.len(),
            run.weights_hash,
            run.wall_ms,
            run.diverged,
            run.replayable,
            csv_field(run.error.as_deref().unwrap_or("")),
        );
    }
    out
}
