//! The flags that read a script's metric from outside (`--metric 'REGEX'` or `--metric-file`),
//! for a script that prints its score instead of writing seedscope's result file
//! (docs/your-command.md, "A script that prints its metric"). Over an experiment file's
//! command they replace what its `command.metric` says.

use clap::Args;

use super::common::{Failure, bad_input};
use crate::engine::command::CommandConfig;
use crate::engine::config::metric_capture::MetricCapture;

#[derive(Args, Debug, Default, Clone)]
pub struct MetricArgs {
    /// Read the command's metric from what it prints: a regular expression with a named group
    /// `value` (e.g. 'Loss: (?P<value>[0-9.e-]+)'), or `correct` and `total` (an accuracy and
    /// its test set's size, e.g. '(?P<correct>\d+)/(?P<total>\d+)'). Needs --metric-name and
    /// --higher-is-better or --lower-is-better.
    #[arg(long, value_name = "REGEX")]
    pub metric: Option<String>,
    /// The metric's name in the results (accuracy, test_loss, …).
    #[arg(long, value_name = "NAME")]
    pub metric_name: Option<String>,
    /// A higher value is better (an accuracy, a score).
    #[arg(long, conflicts_with = "lower_is_better")]
    pub higher_is_better: bool,
    /// A lower value is better (a loss, an error).
    #[arg(long)]
    pub lower_is_better: bool,
    /// Which match is the result: the last one printed (default) or the first; every match in
    /// order is the run's curve.
    #[arg(long = "match", value_name = "first|last", value_parser = ["first", "last"])]
    pub take: Option<String>,
    /// The output the pattern reads (default: stdout).
    #[arg(long, value_name = "stdout|stderr|both", value_parser = ["stdout", "stderr", "both"])]
    pub metric_from: Option<String>,
    /// A factor for every captured value (0.01 reads a percentage as a share). Without it, a
    /// match ending in % is read as a share.
    #[arg(long, value_name = "FACTOR")]
    pub metric_scale: Option<f64>,
    /// Read the metric from a file the command writes instead: a JSON file (with
    /// --metric-key a.b) or a CSV log (the key's column, last row). Relative to the working
    /// folder, or {rundir}/… for the run's own folder.
    #[arg(long, value_name = "PATH", conflicts_with = "metric")]
    pub metric_file: Option<String>,
    /// The key of --metric-file: a dotted JSON path (test.accuracy) or a CSV column.
    #[arg(long, value_name = "KEY")]
    pub metric_key: Option<String>,
    /// Every run scores the same test points (no split or data seed moves them): only then is a
    /// correct/total count read for test-set noise.
    #[arg(long)]
    pub fixed_test_set: bool,
}

impl MetricArgs {
    /// Whether any of these flags was given.
    pub fn any_given(&self) -> bool {
        self.first_given() != ""
    }

    /// The first flag given, for a message ("" when none).
    pub fn first_given(&self) -> &'static str {
        match self.first_metric_flag() {
            Some(flag) => flag,
            None if self.fixed_test_set => "--fixed-test-set",
            None => "",
        }
    }

    /// The first flag given that sets how the metric is read.
    fn first_metric_flag(&self) -> Option<&'static str> {
        let flags = [
            ("--metric", self.metric.is_some()),
            ("--metric-file", self.metric_file.is_some()),
            ("--metric-key", self.metric_key.is_some()),
            ("--metric-name", self.metric_name.is_some()),
            ("--higher-is-better", self.higher_is_better),
            ("--lower-is-better", self.lower_is_better),
            ("--match", self.take.is_some()),
            ("--metric-from", self.metric_from.is_some()),
            ("--metric-scale", self.metric_scale.is_some()),
        ];
        flags
            .iter()
            .find(|(_, given)| *given)
            .map(|(flag, _)| *flag)
    }

    /// Sets the command's metric from the flags, over what it had (an experiment file's).
    pub fn apply(&self, command: &mut CommandConfig) -> Result<(), Failure> {
        if self.fixed_test_set {
            command.fixed_test_set = true;
        }
        let source_given = self.metric.is_some() || self.metric_file.is_some();
        let Some(first) = self.first_metric_flag() else {
            return Ok(());
        };
        let (mut metric, new) = match (&command.metric, source_given) {
            (Some(existing), _) => (existing.clone(), false),
            (None, true) => (
                MetricCapture {
                    pattern: None,
                    ..MetricCapture::from_pattern("", "", true)
                },
                true,
            ),
            (None, false) => {
                return Err(bad_input(format!(
                    "{first}: reads a metric from the command's output; give --metric 'REGEX' (or --metric-file) with it"
                )));
            }
        };
        if let Some(pattern) = &self.metric {
            metric.pattern = Some(pattern.clone());
            metric.file = None;
            metric.key = None;
        }
        if let Some(file) = &self.metric_file {
            metric.file = Some(file.clone());
            metric.pattern = None;
        }
        if let Some(key) = &self.metric_key {
            metric.key = Some(key.clone());
        }
        match &self.metric_name {
            Some(name) => metric.name = name.clone(),
            None if new => {
                return Err(bad_input(
                    "--metric-name: is needed with --metric: the name the results show (accuracy, test_loss, …)",
                ));
            }
            None => {}
        }
        match (self.higher_is_better, self.lower_is_better) {
            (true, _) => metric.higher_is_better = true,
            (_, true) => metric.higher_is_better = false,
            (false, false) if new => {
                return Err(bad_input(
                    "--metric: needs --higher-is-better or --lower-is-better: a loss and a score cannot be told apart from what a script prints",
                ));
            }
            _ => {}
        }
        if let Some(take) = &self.take {
            metric.take = take.parse().map_err(bad_input)?;
        }
        if let Some(from) = &self.metric_from {
            metric.from = from.parse().map_err(bad_input)?;
        }
        if let Some(scale) = self.metric_scale {
            metric.scale = Some(scale);
        }
        command.metric = Some(metric);
        Ok(())
    }
}
