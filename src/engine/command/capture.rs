//! A script's metric read from what it prints (docs/your-command.md, "A script that prints its
//! metric"): each line of output is matched as it arrives, so a script that prints a gigabyte
//! costs one line's memory, not the gigabyte's. What is kept is bounded: the first and last
//! match, and the first [`MAX_CURVE_POINTS`] values in order (the run's curve).
//!
//! A value that is not a number, a NaN, or a correct count above its total fails the run and
//! quotes the line: a number read wrong is worse than no number.

use std::sync::{Arc, Mutex};

use regex::Regex;

use crate::engine::config::metric_capture::{Captures, MetricCapture, Take};

/// The longest line matched; the rest of a longer line is skipped (a progress bar redrawn
/// with `\r` for an hour is one "line").
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Matches kept as the run's curve, in order; later ones still count and still move the result.
pub const MAX_CURVE_POINTS: usize = 10_000;

/// Characters of a matched line quoted in a message.
const QUOTED_LINE_CHARS: usize = 160;

/// One match: its value (a share for a correct/total count, scaled), the test set's size when
/// counted, and the line it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Matched {
    pub value: f64,
    pub total: Option<u64>,
    pub line: String,
}

/// What a run's output gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Captured {
    pub matches: usize,
    pub first: Option<Matched>,
    pub last: Option<Matched>,
    /// The first [`MAX_CURVE_POINTS`] values, in the order they were printed.
    pub curve: Vec<f64>,
    /// The first match that could not be read, with why.
    pub problem: Option<String>,
}

impl Captured {
    /// The match that is the run's result.
    pub fn chosen(&self, take: Take) -> Option<&Matched> {
        match take {
            Take::First => self.first.as_ref(),
            Take::Last => self.last.as_ref(),
        }
    }
}

/// Matches lines against a metric pattern and keeps what [`Captured`] holds. Shared by the
/// threads that read stdout and stderr (`--metric-from both`).
pub struct LineScanner {
    regex: Regex,
    captures: Captures,
    scale: Option<f64>,
    state: Mutex<Captured>,
}

impl LineScanner {
    /// A scanner for `metric`'s pattern; `None` when it reads a file instead.
    pub fn new(metric: &MetricCapture) -> Option<Arc<LineScanner>> {
        let (regex, captures) = metric.compiled()?;
        Some(Arc::new(LineScanner {
            regex,
            captures,
            scale: metric.scale,
            state: Mutex::new(Captured::default()),
        }))
    }

    /// What was captured so far.
    pub fn captured(&self) -> Captured {
        self.state.lock().expect("a scanner's lock").clone()
    }

    /// Whether `line` matches the pattern (for marking lines in `--try`).
    pub fn matches(&self, line: &str) -> bool {
        self.regex.is_match(line)
    }

    /// Reads one line (without its end of line).
    pub fn line(&self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches('\r');
        // A progress bar redraws with `\r`: its last state is the line.
        let text = text.rsplit('\r').next().unwrap_or(text);
        let Some(found) = self.regex.captures(text) else {
            return;
        };
        let read = read_match(text, &found, self.captures, self.scale);
        let mut state = self.state.lock().expect("a scanner's lock");
        state.matches += 1;
        match read {
            Ok((value, total)) => {
                let matched = Matched {
                    value,
                    total,
                    line: quoted(text),
                };
                if state.curve.len() < MAX_CURVE_POINTS {
                    state.curve.push(value);
                }
                if state.first.is_none() {
                    state.first = Some(matched.clone());
                }
                state.last = Some(matched);
            }
            Err(why) => {
                if state.problem.is_none() {
                    state.problem = Some(format!("{why} (line: `{}`)", quoted(text)));
                }
            }
        }
    }
}

/// A line as a message quotes it: control characters escaped, cut to a readable length.
pub fn quoted(line: &str) -> String {
    let escaped = crate::engine::files::escape(&line.trim().replace('\t', "    "));
    if escaped.chars().count() > QUOTED_LINE_CHARS {
        let head: String = escaped.chars().take(QUOTED_LINE_CHARS).collect();
        format!("{head}…")
    } else {
        escaped
    }
}

/// The value of one match, and the count's total.
fn read_match(
    line: &str,
    found: &regex::Captures,
    captures: Captures,
    scale: Option<f64>,
) -> Result<(f64, Option<u64>), String> {
    match captures {
        Captures::Value => {
            let group = found
                .name("value")
                .expect("the pattern names value (checked)");
            let text = group.as_str().trim();
            let number = text.trim_end_matches('%').trim();
            let value: f64 = number
                .parse()
                .map_err(|_| format!("the match `{}` is not a number", quoted(text)))?;
            if !value.is_finite() {
                return Err(format!(
                    "the match `{}` is not a finite number",
                    quoted(text)
                ));
            }
            // A percentage: the number ends in `%`, the line goes on with `%` right after it,
            // or the whole match ends in `%`.
            let whole = found.get(0).expect("a match has its whole text").as_str();
            let percent = text.ends_with('%')
                || line[group.end()..].starts_with('%')
                || whole.trim_end().ends_with('%');
            // A stated scale is the whole rule; without one, a percentage becomes a share.
            let value = match scale {
                Some(scale) => value * scale,
                None if percent => value / 100.0,
                None => value,
            };
            Ok((value, None))
        }
        Captures::CorrectOfTotal => {
            let count = |name: &str| -> Result<u64, String> {
                let text = found
                    .name(name)
                    .expect("the pattern names correct and total (checked)")
                    .as_str()
                    .trim();
                text.parse::<u64>().map_err(|_| {
                    format!("the {name} count `{}` is not a whole number", quoted(text))
                })
            };
            let (correct, total) = (count("correct")?, count("total")?);
            if total == 0 {
                return Err("the total count is 0: no test points were scored".into());
            }
            if correct > total {
                return Err(format!(
                    "the correct count {correct} is above the total {total}"
                ));
            }
            Ok((correct as f64 / total as f64, Some(total)))
        }
    }
}

/// Splits a stream's bytes into lines for a scanner, holding at most [`MAX_LINE_BYTES`] of an
/// unfinished line.
pub struct LineSplitter {
    scanner: Arc<LineScanner>,
    pending: Vec<u8>,
    /// The current line passed the limit: its rest is skipped up to the next newline.
    overlong: bool,
}

impl LineSplitter {
    pub fn new(scanner: Arc<LineScanner>) -> LineSplitter {
        LineSplitter {
            scanner,
            pending: Vec::new(),
            overlong: false,
        }
    }

    /// Feeds the next bytes of the stream.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            self.take(&bytes[..end]);
            self.finish_line();
            bytes = &bytes[end + 1..];
        }
        self.take(bytes);
    }

    /// The stream ended: its last line counts even without a newline.
    pub fn end(&mut self) {
        if !self.pending.is_empty() || self.overlong {
            self.finish_line();
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.pending.len());
        if bytes.len() > room {
            self.overlong = true;
        }
        self.pending
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn finish_line(&mut self) {
        self.scanner.line(&self.pending);
        self.pending.clear();
        self.overlong = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner(pattern: &str, scale: Option<f64>) -> Arc<LineScanner> {
        let metric = MetricCapture {
            scale,
            ..MetricCapture::from_pattern(pattern, "accuracy", true)
        };
        LineScanner::new(&metric).unwrap()
    }

    #[test]
    fn lines_split_across_reads_a_redrawn_progress_bar_and_an_overlong_line_are_read_right() {
        let scan = scanner(r"acc (?P<value>[0-9.]+)", None);
        let mut lines = LineSplitter::new(scan.clone());
        lines.feed(b"acc 0.");
        lines.feed(b"25\nnoise\r\n[====    ] acc 0.1\r[========] acc 0.5\n");
        let long = vec![b'x'; 3 * MAX_LINE_BYTES];
        lines.feed(&long);
        lines.feed(b" acc 0.9\nacc 0.75");
        lines.end();
        let captured = scan.captured();
        // 0.9 sat past the line limit: skipped, not misread.
        assert_eq!(captured.curve, [0.25, 0.5, 0.75]);
        assert_eq!(captured.chosen(Take::First).unwrap().value, 0.25);
        assert_eq!(captured.chosen(Take::Last).unwrap().value, 0.75);
        assert!(captured.problem.is_none());
    }

    #[test]
    fn a_percentage_becomes_a_share_unless_a_scale_is_stated_and_counts_are_checked() {
        let value = |pattern: &str, scale: Option<f64>, line: &str| {
            let scan = scanner(pattern, scale);
            scan.line(line.as_bytes());
            let captured = scan.captured();
            (captured.last.map(|m| (m.value, m.total)), captured.problem)
        };
        let share = |v: f64| (Some((v, None)), None);
        assert_eq!(
            value(r"= (?P<value>[0-9.]+)", None, "43/500 = 8.60% correct"),
            share(0.086)
        );
        assert_eq!(
            value(r"= (?P<value>[0-9.%]+)", None, "= 8.5%"),
            share(0.085)
        );
        assert_eq!(
            value(r"= (?P<value>[0-9.]+)", Some(0.01), "= 8.5%"),
            share(0.085)
        );
        assert_eq!(value(r"= (?P<value>[0-9.]+)", None, "= 8.5"), share(8.5));
        let counted = value(
            r"(?P<correct>\d+)/(?P<total>\d+)",
            None,
            "test final score: 43/500 = 8.60% correct",
        );
        assert_eq!(counted, (Some((0.086, Some(500))), None));
        let (_, problem) = value(r"(?P<correct>\d+)/(?P<total>\d+)", None, "0/0");
        assert!(problem.unwrap().contains("total count is 0"));
        let (_, problem) = value(r"loss (?P<value>\S+)", None, "loss 1e999");
        assert!(problem.unwrap().contains("not a finite number"));
    }
}
