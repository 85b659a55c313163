//! The per-condition table `run` and `merge` print, with the test-set noise columns and what
//! they mean (split out of run.rs: the table is read by two commands, and run.rs is the sweep).

use crate::analysis::noise_reading::noise_reading;
use crate::analysis::summary::{ConditionSummary, format_value};
use crate::engine::metric::Metric;
use crate::engine::producer::Capabilities;
use crate::records::ResultsFile;

/// The per-condition table printed by `run`, with the test-set noise columns (docs/test-set-noise.md) and a
/// legend for them when any condition has them.
pub fn summary_table(results: &ResultsFile) -> String {
    let (metric, summaries) = (&results.metric(), &results.summary[..]);
    let capabilities = results.config.capabilities();
    let names: Vec<String> = summaries.iter().map(|s| s.condition.to_string()).collect();
    let width = names.iter().map(String::len).max().unwrap_or(9).max(9);
    let mut out = format!(
        "{:<width$}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>6}  {:>5}  {:>8}  {:>8}  {:>8}  test {metric}\n",
        "condition",
        "n",
        "mean",
        "std",
        "min",
        "max",
        "hashes",
        "noise",
        "true std",
        "≤ (95%)",
        "fresh"
    );
    for (s, name) in summaries.iter().zip(&names) {
        let notes = s.notes();
        out.push_str(&format!(
            "{:<width$}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>6}  {:>5}  {:>8}  {:>8}  {:>8}  {}\n",
            name,
            s.n,
            format_value(s.mean),
            format_value(s.std),
            format_value(s.min),
            format_value(s.max),
            s.distinct_hashes,
            s.noise_share
                .map_or("-".into(), |share| format!("{:.0}%", share * 100.0)),
            format_value(s.true_std),
            format_value(s.true_std_upper),
            format_value(s.fresh_std),
            notes.join(", ")
        ));
    }
    out.push_str(&noise_legend(metric, summaries, &capabilities));
    out
}

/// What the noise columns mean, and — where most of a spread is noise — what would shrink it.
fn noise_legend(
    metric: &Metric,
    summaries: &[ConditionSummary],
    capabilities: &Capabilities,
) -> String {
    // The fresh column is explained wherever it has figures, with or without test points.
    let fresh = if summaries.iter().any(|s| s.fresh_std.is_some()) {
        let scored_on = if capabilities.fresh_drawn() {
            format!(
                "{} from the data set's generator",
                capabilities.fresh_words()
            )
        } else {
            capabilities.fresh_words()
        };
        format!("fresh: std of the same runs scored on {scored_on}\n")
    } else {
        String::new()
    };
    let Some(points) = summaries.iter().find_map(|s| s.test_points) else {
        return fresh;
    };
    // Counts alone (a command's correct/total) fill no column: only their notes below.
    let mut legend = if summaries.iter().any(|s| s.noise_std.is_some()) {
        format!(
            "noise: the share of std² that {points} test points' independent coin flips produce; \
             true std: the model's own spread once that is taken out, ≤ the upper end of its 95% interval\n"
        )
    } else {
        String::new()
    };
    legend.push_str(&fresh);
    // One line per reason, naming every condition it applies to.
    let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
    for s in summaries.iter().filter(|s| s.n > 0) {
        if let Some(why) = s.noise_note.as_deref() {
            match reasons.iter_mut().find(|(reason, _)| *reason == why) {
                Some((_, names)) => names.push(s.condition.to_string()),
                None => reasons.push((why, vec![s.condition.to_string()])),
            }
        }
    }
    for (why, names) in reasons {
        legend.push_str(&format!(
            "no noise estimate for {}: {why}\n",
            names.join(", ")
        ));
    }
    let drawn = capabilities.draws_its_data && summaries.iter().any(|s| s.fresh_std.is_some());
    if let Some(reading) = noise_reading(summaries, metric, drawn, &capabilities.fresh_words()) {
        legend.push_str(&reading);
        legend.push('\n');
    }
    legend
}
