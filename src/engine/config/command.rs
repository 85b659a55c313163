//! A user's training command as an experiment names it (`"command": {...}`, docs/your-command.md): what to
//! run, where, for how long, with what extra environment, and which files define it. Part of
//! the experiment's description, so it lives with the config; running it is
//! `engine::command`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The time a run may take when the experiment does not say (seconds).
pub const DEFAULT_TIMEOUT_S: f64 = 3600.0;

/// The longest a run may be given (a week, in seconds).
pub const MAX_TIMEOUT_S: f64 = 7.0 * 24.0 * 3600.0;

/// The command an experiment trains, as its file writes it (`"command": {...}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    /// The program and its arguments, run as given: no shell, unless the user writes one
    /// (`["sh", "-c", "..."]`).
    pub argv: Vec<String>,
    /// Where the command runs (a relative folder is taken from the experiment file's folder,
    /// or the current one on the command line). Resolved to an absolute path before a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<PathBuf>,
    /// Seconds a run may take before its process group is killed and the run failed.
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
    /// Extra environment for every run (after seedscope's own variables, so a user can
    /// override a library's, e.g. OMP_NUM_THREADS; never a SEEDSCOPE_* one, which is refused).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The files that define the experiment. Default: every argument that names an existing
    /// file in the working directory (`train.py` in `python3 train.py`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<PathBuf>>,
    /// SHA-256 of every input file's content, filled in when the experiment is resolved:
    /// editing `train.py` makes another experiment in the run store.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub input_hashes: BTreeMap<String, String>,
    /// Where the metric is read from when the script writes no result file: a pattern over
    /// its output, or a file it writes (`--metric`, docs/your-command.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<super::metric_capture::MetricCapture>,
    /// The user states that every run scores the same test points (`--fixed-test-set`): only
    /// then is a captured correct/total read for test-set noise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fixed_test_set: bool,
}

fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT_S
}

/// A command that cannot be run as written, named by its field.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.text())]
pub struct CommandConfigError {
    pub field: &'static str,
    pub message: String,
}

impl CommandConfigError {
    /// `command.field: message`; a metric setting names its flag and field itself.
    fn text(&self) -> String {
        if self.field == "metric" {
            self.message.clone()
        } else {
            format!("command.{}: {}", self.field, self.message)
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> CommandConfigError {
    CommandConfigError {
        field,
        message: message.into(),
    }
}

impl CommandConfig {
    /// A command from a command line typed as one string (`--command "python3 train.py -e 5"`),
    /// split like a shell splits words (quotes and backslashes), without running a shell.
    pub fn from_command_line(text: &str) -> Result<CommandConfig, CommandConfigError> {
        let argv = split_words(text).map_err(|message| invalid("argv", message))?;
        if argv.is_empty() {
            return Err(invalid(
                "argv",
                "is empty; give the program to run, e.g. \"python3 train.py\"",
            ));
        }
        Ok(CommandConfig {
            argv,
            workdir: None,
            timeout_s: DEFAULT_TIMEOUT_S,
            env: BTreeMap::new(),
            inputs: None,
            input_hashes: BTreeMap::new(),
            metric: None,
            fixed_test_set: false,
        })
    }

    /// The checks that need no file system: a program, a time limit in range, environment
    /// names a process can carry.
    pub fn check(&self) -> Result<(), CommandConfigError> {
        match self.argv.first() {
            None => {
                return Err(invalid(
                    "argv",
                    "is empty; give the program to run, e.g. [\"python3\", \"train.py\"]",
                ));
            }
            Some(program) if program.trim().is_empty() => {
                return Err(invalid("argv[0]", "is empty; name the program to run"));
            }
            _ => {}
        }
        if let Some(position) = self.argv.iter().position(|a| a.contains('\0')) {
            return Err(invalid(
                "argv",
                format!("element {position} holds a NUL byte, which no argument can carry"),
            ));
        }
        for (position, argument) in self.argv.iter().enumerate() {
            super::placeholders::Template::parse(argument)
                .map_err(|message| invalid("argv", format!("argv[{position}]: {message}")))?;
        }
        for (name, value) in &self.env {
            super::placeholders::Template::parse(value).map_err(|message| {
                invalid(
                    "env",
                    format!("{}: {message}", crate::engine::files::escape(name)),
                )
            })?;
        }
        if let Some(metric) = &self.metric {
            metric
                .check()
                .map_err(|error| invalid("metric", error.to_string()))?;
        }
        if !(self.timeout_s.is_finite() && self.timeout_s > 0.0 && self.timeout_s <= MAX_TIMEOUT_S)
        {
            return Err(invalid(
                "timeout_s",
                format!(
                    "{} is out of range; allowed: above 0 to {MAX_TIMEOUT_S} (a week)",
                    self.timeout_s
                ),
            ));
        }
        for (name, value) in &self.env {
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return Err(invalid(
                    "env",
                    format!(
                        "`{}` is not a variable name (empty, or holds `=` or NUL)",
                        crate::engine::files::escape(name)
                    ),
                ));
            }
            if value.contains('\0') {
                return Err(invalid(
                    "env",
                    format!(
                        "the value of {} holds a NUL byte, which no environment can carry",
                        crate::engine::files::escape(name)
                    ),
                ));
            }
            // seedscope's own variables are what a run is told (its seeds, its result file):
            // a file that set them would make the record say one seed while the run used
            // another, and the diagnosis blame the command.
            if name.starts_with("SEEDSCOPE_") {
                return Err(invalid(
                    "env",
                    format!(
                        "{} is seedscope's to set (every SEEDSCOPE_* variable is): remove it; \
                         the seeds come from the master seed and the condition",
                        crate::engine::files::escape(name)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The command ready to run: its working directory made absolute (from `base`, the
    /// experiment file's folder or the current one) and proven to exist, and the content
    /// hash of every input file recorded.
    pub fn resolve(&self, base: &Path) -> Result<CommandConfig, CommandConfigError> {
        self.check()?;
        let folder = match &self.workdir {
            Some(dir) if dir.is_absolute() => dir.clone(),
            Some(dir) => base.join(dir),
            None => base.to_path_buf(),
        };
        let workdir = std::fs::canonicalize(&folder).map_err(|error| {
            invalid(
                "workdir",
                format!("{} cannot be used: {error}", path_text(&folder)),
            )
        })?;
        if !workdir.is_dir() {
            return Err(invalid(
                "workdir",
                format!("{} is not a folder", path_text(&workdir)),
            ));
        }
        find_program(&self.argv[0], &workdir, self.env.get("PATH"))?;
        let inputs: Vec<PathBuf> = match &self.inputs {
            Some(listed) => listed.clone(),
            None => super::inputs::default_inputs(&self.argv, &workdir),
        };
        let input_hashes = super::inputs::hash_inputs(&inputs, &workdir)
            .map_err(|message| invalid("inputs", message))?;
        Ok(CommandConfig {
            workdir: Some(workdir),
            inputs: self.inputs.clone(),
            input_hashes,
            ..self.clone()
        })
    }

    /// Which seed placeholders its arguments and environment use.
    pub fn uses(&self) -> super::placeholders::Uses {
        super::placeholders::uses_of(
            self.argv
                .iter()
                .map(String::as_str)
                .chain(self.env.values().map(String::as_str)),
        )
    }

    /// Takes one seed for everything (`{seed}`, no per-source seed): from outside, only that
    /// seed, threads and gpu can be moved apart.
    pub fn takes_one_seed(&self) -> bool {
        let uses = self.uses();
        uses.one_seed && !uses.source_seeds
    }

    /// The command as one line, for messages and History (`python3 train.py --epochs 5`).
    pub fn display_line(&self) -> String {
        self.argv
            .iter()
            .map(|word| {
                if !word.is_empty()
                    && word
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%{}".contains(c))
                {
                    word.clone()
                } else {
                    format!("'{}'", word.replace('\'', "'\\''"))
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Proves the program can be found before any run starts, as the process will look for it: a
/// name with a `/` from the working directory, a bare name on `PATH` (the command's own
/// `PATH` when its environment sets one).
fn find_program(
    program: &str,
    workdir: &Path,
    path_override: Option<&String>,
) -> Result<(), CommandConfigError> {
    let is_program = |candidate: &Path| {
        use std::os::unix::fs::PermissionsExt;
        candidate
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let candidate = workdir.join(program);
        if is_program(&candidate) {
            return Ok(());
        }
        return Err(invalid(
            "argv[0]",
            format!(
                "{} is not an executable file (looked in {}); name an interpreter first, e.g. \"python3 {}\"",
                crate::engine::files::escape(program),
                path_text(workdir),
                crate::engine::files::escape(program)
            ),
        ));
    }
    let search = path_override
        .cloned()
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    if std::env::split_paths(&search).any(|folder| is_program(&folder.join(program))) {
        return Ok(());
    }
    Err(invalid(
        "argv[0]",
        format!(
            "`{}` was not found on PATH; install it, or give its path",
            crate::engine::files::escape(program)
        ),
    ))
}

/// A path for a message: control characters escaped.
fn path_text(path: &Path) -> String {
    crate::engine::files::escape(&path.display().to_string())
}

/// Splits a command line into words as a POSIX shell would for plain words: whitespace
/// separates, single quotes keep everything, double quotes keep all but `\"` and `\\`, a
/// backslash outside quotes keeps the next character. No variables, globs or pipes: what
/// needs a shell says so (`sh -c '...'`).
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => current.push(inner),
                        None => return Err("a single quote `'` is not closed".into()),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\')) => current.push(escaped),
                            Some(other) => {
                                current.push('\\');
                                current.push(other);
                            }
                            None => return Err("a double quote `\"` is not closed".into()),
                        },
                        Some(inner) => current.push(inner),
                        None => return Err("a double quote `\"` is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(escaped) => word.get_or_insert_with(String::new).push(escaped),
                None => return Err("the line ends in a backslash".into()),
            },
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests;
