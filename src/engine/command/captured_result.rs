//! A run's result as read: from the result file the command wrote, or captured from outside
//! (the chosen match of a metric pattern over its output, or the number in a metric file it
//! wrote), checked like any result. A captured outcome is told apart by every captured value.

use std::path::Path;

use super::capture::{LineScanner, quoted};
use super::env::RunEnvironment;
use super::process::Finished;
use super::result::{OUTCOME_HASH_PREFIX, Reported};
use crate::engine::config::metric_capture::{MetricCapture, RUN_DIR_PREFIX, Stream};
use crate::engine::record::RunRecord;
use crate::engine::train::RunPlan;

/// A run's result as read: from the result file, or captured from outside (a pattern or a
/// metric file), whose outcome is then told apart by every captured value.
pub struct Read {
    reported: Reported,
    captured: Option<Vec<f64>>,
    /// The test set's size, from a correct/total count on a test set stated fixed.
    counted_test_points: Option<u64>,
}

impl From<Reported> for Read {
    fn from(reported: Reported) -> Read {
        Read {
            reported,
            captured: None,
            counted_test_points: None,
        }
    }
}

impl Read {
    /// The run's record. A captured run's hash is of its captured values (the output's text
    /// carries timings, which differ in every run).
    pub fn into_record(
        self,
        plan: &RunPlan,
        environment: &RunEnvironment,
        wall_ms: f64,
    ) -> RunRecord {
        let mut record = self.reported.into_record(plan, environment, wall_ms);
        record.counted_test_points = self.counted_test_points;
        if let Some(values) = self.captured {
            let mut bytes = Vec::with_capacity(8 * values.len() + 8);
            for value in values.iter().chain(record.final_test_metric.iter()) {
                bytes.extend_from_slice(&value.to_bits().to_le_bytes());
            }
            let digest = crate::engine::digest::sha256_hex(&bytes);
            record.weights_hash = format!("{OUTCOME_HASH_PREFIX}{}", &digest[..32]);
        }
        record
    }
}

/// The result of a run that exited 0, read as `metric` says: the chosen match of the output,
/// or the number in the metric file. `folders`: the working folder and the run's own;
/// `fixed_test_set`: the user stated every run scores the same test points.
pub fn reported(
    (metric, fixed_test_set): (&MetricCapture, bool),
    scanner: Option<&LineScanner>,
    (workdir, run_dir): (&Path, Option<&Path>),
    finished: &Finished,
) -> Result<Read, String> {
    let (value, curve, total) = match (scanner, &metric.file, &metric.key) {
        (Some(scanner), _, _) => {
            let captured = scanner.captured();
            let pattern = crate::engine::files::escape(metric.pattern.as_deref().unwrap_or(""));
            if let Some(problem) = captured.problem {
                return Err(format!(
                    "the metric pattern `{pattern}` (--metric): {problem}"
                ));
            }
            let Some(chosen) = captured.chosen(metric.take) else {
                return Err(format!(
                    "the metric pattern `{pattern}` (--metric) matched no line of {}{}",
                    stream_words(metric.from),
                    output_tail(metric.from, finished)
                ));
            };
            let (value, total) = (chosen.value, chosen.total);
            (value, captured.curve, total)
        }
        (None, Some(file), Some(key)) => {
            let path = match (file.strip_prefix(RUN_DIR_PREFIX), run_dir) {
                (Some(rest), Some(dir)) => dir.join(rest.trim_start_matches('/')),
                _ => workdir.join(file),
            };
            let value = super::capture_file::read_number(&path, key)? * metric.scale.unwrap_or(1.0);
            (value, vec![value], None)
        }
        _ => return Err("the metric has neither a pattern nor a file (--metric)".into()),
    };
    let reported = Reported {
        metric: metric.name.clone(),
        value,
        higher_is_better: metric.higher_is_better,
        test_ids: None,
        test_errors: None,
        predictions: None,
        curve: Some(curve.iter().map(|v| Some(*v)).collect()),
        train_loss: None,
        weights_hash: None,
        fresh_value: None,
    };
    reported.check().map_err(|error| match error {
        super::result::ResultError::Invalid(message) => format!(
            "the captured {message} (--metric-name; --metric-scale 0.01 reads a percentage)"
        ),
        other => other.to_string(),
    })?;
    Ok(Read {
        reported,
        captured: Some(curve),
        counted_test_points: total.filter(|_| fixed_test_set),
    })
}

fn stream_words(from: Stream) -> &'static str {
    match from {
        Stream::Stdout => "stdout (--metric-from stderr reads the other stream)",
        Stream::Stderr => "stderr",
        Stream::Both => "stdout or stderr",
    }
}

/// The last lines of the stream(s) the pattern read, for a run in which it matched nothing.
fn output_tail(from: Stream, finished: &Finished) -> String {
    let text = match from {
        Stream::Stderr => &finished.stderr_tail,
        _ => &finished.stdout_tail,
    };
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(quoted)
        .collect();
    if lines.is_empty() {
        return "; it printed nothing there".into();
    }
    let start = lines
        .len()
        .saturating_sub(super::process::QUOTED_STDERR_LINES);
    format!("; its last lines:\n  {}", lines[start..].join("\n  "))
}
