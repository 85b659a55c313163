//! Where a script's metric is read from when it does not write seedscope's result file
//! (docs/your-command.md, "A script that prints its metric"): a pattern over what it prints,
//! or a key of a JSON (or CSV) file it writes. Part of the experiment's description
//! (`"command": {"metric": {...}}`); reading a run's output is `engine::command::capture`'s.
//!
//! A pattern names what it captures: `(?P<value>…)` for a number, or `(?P<correct>…)` and
//! `(?P<total>…)` for an accuracy counted on a test set of `total` points. The metric's name and
//! direction are always stated by the user: a loss and a score cannot be told apart from text.

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The longest pattern accepted (a pattern is one line's worth of text).
pub const MAX_PATTERN_CHARS: usize = 1000;

/// The longest metric name kept (the result file's limit).
pub const MAX_NAME_CHARS: usize = 64;

/// The placeholder a metric file's path may start with: the run's own folder.
pub const RUN_DIR_PREFIX: &str = "{rundir}";

/// Which of a pattern's matches is the run's result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Take {
    First,
    /// The last: a script prints its final score after the epochs' ones.
    #[default]
    Last,
}

/// Which output stream a pattern reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    #[default]
    Stdout,
    Stderr,
    /// Both, each line as it arrives (a script that logs to stderr and prints to stdout).
    Both,
}

impl std::str::FromStr for Take {
    type Err = String;
    fn from_str(text: &str) -> Result<Take, String> {
        match text {
            "first" => Ok(Take::First),
            "last" => Ok(Take::Last),
            other => Err(format!("`{other}` is not a match; allowed: first, last")),
        }
    }
}

impl std::str::FromStr for Stream {
    type Err = String;
    fn from_str(text: &str) -> Result<Stream, String> {
        match text {
            "stdout" => Ok(Stream::Stdout),
            "stderr" => Ok(Stream::Stderr),
            "both" => Ok(Stream::Both),
            other => Err(format!(
                "`{other}` is not a stream; allowed: stdout, stderr, both"
            )),
        }
    }
}

impl Stream {
    pub fn reads_stdout(self) -> bool {
        matches!(self, Stream::Stdout | Stream::Both)
    }

    pub fn reads_stderr(self) -> bool {
        matches!(self, Stream::Stderr | Stream::Both)
    }
}

/// How a run's metric is read, as the experiment file writes it (`command.metric`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricCapture {
    /// A regular expression matched against each line of output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A file the script writes: relative to the working folder, or `{rundir}/…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// In a JSON file, the dotted path to the number (`test.accuracy`); in a CSV file, the
    /// column whose last row is the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The metric's name (`accuracy`, `test_loss`).
    pub name: String,
    pub higher_is_better: bool,
    #[serde(default, rename = "match")]
    pub take: Take,
    #[serde(default)]
    pub from: Stream,
    /// A factor applied to every captured value (0.01 reads a percentage as a share). Without
    /// it, a match that ends in `%` is read as a share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
}

/// What a pattern captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Captures {
    /// `(?P<value>…)`: a number.
    Value,
    /// `(?P<correct>…)` and `(?P<total>…)`: an accuracy and its test set's size.
    CorrectOfTotal,
}

/// A metric setting that cannot work, named by its flag (the command line) and its field (an
/// experiment file): `--metric-key (command.metric.key): …`.
#[derive(Debug, thiserror::Error)]
#[error("--{flag} (command.metric.{}): {message}", field_of(flag))]
pub struct MetricCaptureError {
    pub flag: &'static str,
    pub message: String,
}

/// The experiment file's field for a flag.
fn field_of(flag: &str) -> &'static str {
    match flag {
        "metric-file" => "file",
        "metric-key" => "key",
        "metric-name" => "name",
        "metric-scale" => "scale",
        _ => "pattern",
    }
}

fn invalid(flag: &'static str, message: impl Into<String>) -> Result<(), MetricCaptureError> {
    Err(MetricCaptureError {
        flag,
        message: message.into(),
    })
}

impl MetricCapture {
    /// A metric read by `pattern` from stdout, its last match the result (the defaults of
    /// `--match` and `--metric-from`). An empty pattern is a metric still being filled in.
    pub fn from_pattern(pattern: &str, name: &str, higher_is_better: bool) -> MetricCapture {
        MetricCapture {
            pattern: Some(pattern.to_string()),
            file: None,
            key: None,
            name: name.to_string(),
            higher_is_better,
            take: Take::Last,
            from: Stream::Stdout,
            scale: None,
        }
    }

    /// The pattern compiled and what it captures (after [`MetricCapture::check`]).
    pub fn compiled(&self) -> Option<(Regex, Captures)> {
        let regex = Regex::new(self.pattern.as_deref()?).ok()?;
        let captures = captures_of(&regex).ok()?;
        Some((regex, captures))
    }

    /// Every check that needs no run: one source, a pattern that compiles and names what it
    /// captures, a file inside the run's folders, a name, a scale.
    pub fn check(&self) -> Result<(), MetricCaptureError> {
        match (&self.pattern, &self.file) {
            (None, None) => {
                return invalid(
                    "metric",
                    "give a pattern (--metric 'REGEX') or a file (--metric-file PATH --metric-key KEY)",
                );
            }
            (Some(_), Some(_)) => {
                return invalid(
                    "metric-file",
                    "a metric is read from a pattern or from a file, not both; drop one",
                );
            }
            _ => {}
        }
        if let Some(pattern) = &self.pattern {
            if pattern.chars().count() > MAX_PATTERN_CHARS {
                return invalid(
                    "metric",
                    format!("the pattern is longer than {MAX_PATTERN_CHARS} characters"),
                );
            }
            let regex = Regex::new(pattern).map_err(|error| MetricCaptureError {
                flag: "metric",
                message: format!("the pattern does not compile: {error}"),
            })?;
            captures_of(&regex).map_err(|message| MetricCaptureError {
                flag: "metric",
                message,
            })?;
            if self.key.is_some() {
                return invalid("metric-key", "names a key of --metric-file; drop it");
            }
        }
        if let Some(file) = &self.file {
            check_file(file)?;
            match &self.key {
                None => {
                    return invalid(
                        "metric-key",
                        "is needed with --metric-file: the key whose number is the result (a.b for nested JSON, a column for CSV)",
                    );
                }
                Some(key) if key.trim().is_empty() || key.split('.').any(str::is_empty) => {
                    return invalid(
                        "metric-key",
                        format!(
                            "`{}` is not a key; allowed: names joined by dots (test.accuracy)",
                            crate::engine::files::quote(key)
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        let name = self.name.trim();
        if name.is_empty()
            || self.name.chars().count() > MAX_NAME_CHARS
            || self.name.chars().any(char::is_control)
        {
            return invalid(
                "metric-name",
                format!(
                    "`{}` is not a metric name; allowed: 1 to {MAX_NAME_CHARS} characters, no control characters",
                    crate::engine::files::escape(&self.name)
                ),
            );
        }
        if let Some(scale) = self.scale
            && !(scale.is_finite() && scale > 0.0)
        {
            return invalid(
                "metric-scale",
                format!(
                    "{scale} is not a scale; allowed: a finite number above 0 (0.01 reads a percentage)"
                ),
            );
        }
        Ok(())
    }

    /// Whether the metric file sits in the run's own folder.
    pub fn file_in_run_dir(&self) -> bool {
        self.file
            .as_deref()
            .is_some_and(|f| f.starts_with(RUN_DIR_PREFIX))
    }
}

/// What a compiled pattern captures, or why it captures nothing usable.
fn captures_of(regex: &Regex) -> Result<Captures, String> {
    let names: Vec<&str> = regex.capture_names().flatten().collect();
    let has = |name: &str| names.contains(&name);
    match (has("value"), has("correct"), has("total")) {
        (true, false, false) => Ok(Captures::Value),
        (false, true, true) => Ok(Captures::CorrectOfTotal),
        (true, _, _) => Err(
            "the pattern names both a value and correct/total; name one: (?P<value>…) or (?P<correct>…)…(?P<total>…)".into(),
        ),
        (false, true, false) | (false, false, true) => Err(
            "the pattern needs both (?P<correct>…) and (?P<total>…) for an accuracy counted on a test set".into(),
        ),
        (false, false, false) => Err(
            "the pattern names no group seedscope reads; write (?P<value>[0-9.eE+-]+) around the number, or (?P<correct>\\d+)/(?P<total>\\d+)".into(),
        ),
    }
}

/// A metric file is the script's own output: inside the working folder or the run's folder,
/// never a path that climbs out of them or names some other file on the machine.
fn check_file(file: &str) -> Result<(), MetricCaptureError> {
    let rest = file.strip_prefix(RUN_DIR_PREFIX).unwrap_or(file);
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let path = std::path::Path::new(rest);
    if rest.is_empty() {
        return invalid(
            "metric-file",
            "names a folder; name the file the script writes",
        );
    }
    if (file.starts_with('/') && !file.starts_with(RUN_DIR_PREFIX))
        || path.is_absolute()
        || path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return invalid(
            "metric-file",
            format!(
                "{} is outside the run's folders; give a path inside the working folder (metrics.json) or the run's own ({RUN_DIR_PREFIX}/metrics.json)",
                crate::engine::files::escape(file)
            ),
        );
    }
    if rest.contains('{') {
        return invalid(
            "metric-file",
            format!("the one placeholder a metric file may hold is {RUN_DIR_PREFIX}, at its start"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> MetricCapture {
        MetricCapture::from_pattern(text, "accuracy", true)
    }

    fn refusal(capture: &MetricCapture) -> String {
        capture.check().unwrap_err().to_string()
    }

    #[test]
    fn a_pattern_must_compile_and_name_what_it_captures() {
        assert!(pattern(r"acc (?P<value>[0-9.]+)").check().is_ok());
        assert!(pattern(r"(?P<correct>\d+)/(?P<total>\d+)").check().is_ok());
        assert!(
            refusal(&pattern("acc ("))
                .starts_with("--metric (command.metric.pattern): the pattern does not compile")
        );
        assert!(refusal(&pattern(r"acc ([0-9.]+)")).contains("names no group"));
        assert!(refusal(&pattern(r"(?P<correct>\d+)")).contains("both (?P<correct>"));
        let both = pattern(r"(?P<value>\d+) (?P<correct>\d+)/(?P<total>\d+)");
        assert!(refusal(&both).contains("name one"));
        let mut nameless = pattern(r"(?P<value>\d+)");
        nameless.name = " ".into();
        assert!(refusal(&nameless).starts_with("--metric-name (command.metric.name):"));
        let mut scaled = pattern(r"(?P<value>\d+)");
        scaled.scale = Some(0.0);
        assert!(refusal(&scaled).starts_with("--metric-scale"));
    }

    #[test]
    fn a_metric_file_stays_inside_the_runs_folders_and_needs_a_key() {
        let file = |path: &str, key: Option<&str>| MetricCapture {
            pattern: None,
            file: Some(path.into()),
            key: key.map(str::to_string),
            ..pattern("")
        };
        assert!(file("metrics.json", Some("test.accuracy")).check().is_ok());
        assert!(file("{rundir}/log.csv", Some("acc")).check().is_ok());
        for outside in ["/etc/passwd", "../x.json", "out/../../x.json"] {
            let message = refusal(&file(outside, Some("a")));
            assert!(message.contains("outside the run's folders"), "{message}");
        }
        assert!(
            refusal(&file("m.json", None))
                .starts_with("--metric-key (command.metric.key): is needed")
        );
        assert!(refusal(&file("m.json", Some("a..b"))).starts_with("--metric-key"));
        let mut neither = pattern("");
        neither.pattern = None;
        assert!(refusal(&neither).starts_with("--metric (command.metric.pattern): give a pattern"));
    }
}
