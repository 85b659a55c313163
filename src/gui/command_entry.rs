//! "Your command" as the left panel holds it: the command line and folder as typed, and the
//! command resolved from them (working directory made absolute, input files hashed) — the
//! resolution cached until what it read changes, since the panel asks for it every frame.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::engine::command::warm_pool::preload_list;
use crate::engine::command::{CommandConfig, DEFAULT_TIMEOUT_S};
use crate::engine::config::metric_capture::MetricCapture;

/// The command fields of the panel.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandEntry {
    /// Train the command instead of the built-in model.
    pub enabled: bool,
    /// The command line as typed, e.g. `python3 train.py --epochs 5`.
    pub line: String,
    /// The folder it runs in as typed (empty: the folder seedscope was started in).
    pub workdir: String,
    pub timeout_s: f64,
    /// What an experiment file or History gave and the panel does not edit: extra
    /// environment and the input files, kept so the experiment stays the one it was.
    pub env: std::collections::BTreeMap<String, String>,
    pub inputs: Option<Vec<PathBuf>>,
    /// The file the command came from (an experiment or results file opened here), shown in
    /// the dialog that asks to allow it; None for a command typed here, which needs no asking.
    pub from_file: Option<String>,
    /// Read the metric from what the command prints (a script that writes no result file).
    pub reads_output: bool,
    /// The pattern, with a `value` group or `correct` and `total` groups.
    pub metric_pattern: String,
    pub metric_name: String,
    pub metric_higher_is_better: bool,
    /// What an experiment file's metric says that the panel does not edit (which match, which
    /// stream, a scale, a metric file), kept so the experiment stays the one it was.
    pub metric_rest: Option<MetricCapture>,
    /// Every run scores the same test points (`--fixed-test-set`).
    pub fixed_test_set: bool,
    /// Run a Python script's runs warm (`run --warm`): how the runs are started, not which
    /// runs they are, so it is not part of the experiment and stays when another is opened.
    pub warm: bool,
    /// With `warm`: the modules each parent imports, comma-separated as typed (`--preload`);
    /// empty: the script's own top-level third-party imports.
    pub preload: String,
    #[serde(skip)]
    resolved: Arc<Mutex<Option<Resolution>>>,
}

/// One resolution and what it was made from.
#[derive(Debug)]
struct Resolution {
    key: ResolutionKey,
    result: Result<CommandConfig, String>,
}

#[derive(Debug, PartialEq)]
struct ResolutionKey {
    line: String,
    workdir: String,
    timeout_s: f64,
    metric: Option<MetricCapture>,
    fixed_test_set: bool,
    /// Every argument that names a file: its size and modification time.
    files: Vec<(PathBuf, Option<(u64, SystemTime)>)>,
}

impl Default for CommandEntry {
    fn default() -> Self {
        CommandEntry {
            enabled: false,
            line: String::new(),
            workdir: String::new(),
            timeout_s: DEFAULT_TIMEOUT_S,
            env: Default::default(),
            inputs: None,
            from_file: None,
            reads_output: false,
            metric_pattern: String::new(),
            metric_name: String::new(),
            metric_higher_is_better: true,
            metric_rest: None,
            fixed_test_set: false,
            warm: false,
            preload: String::new(),
            resolved: Arc::default(),
        }
    }
}

impl CommandEntry {
    /// The entry that shows `command` (an experiment file's, or one reopened from History).
    pub fn of(command: &CommandConfig) -> CommandEntry {
        CommandEntry {
            enabled: true,
            line: command.display_line(),
            workdir: command
                .workdir
                .as_ref()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default(),
            timeout_s: command.timeout_s,
            env: command.env.clone(),
            inputs: command.inputs.clone(),
            from_file: None,
            reads_output: command.metric.is_some(),
            metric_pattern: command
                .metric
                .as_ref()
                .and_then(|m| m.pattern.clone())
                .unwrap_or_default(),
            metric_name: command
                .metric
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            metric_higher_is_better: command.metric.as_ref().is_none_or(|m| m.higher_is_better),
            metric_rest: command.metric.clone(),
            fixed_test_set: command.fixed_test_set,
            warm: false,
            preload: String::new(),
            resolved: Arc::default(),
        }
    }

    /// The modules warm parents preload (`SweepSpec::warm`): empty when none are named, so
    /// each parent imports the script's own top-level third-party imports; None when runs
    /// start cold.
    pub fn warm_preload(&self) -> Option<Vec<String>> {
        (self.enabled && self.warm).then(|| preload_list(&self.preload))
    }

    /// The metric as the panel sets it: None when the command writes its result file.
    pub fn metric(&self) -> Option<MetricCapture> {
        if !self.reads_output {
            return None;
        }
        let mut metric = self
            .metric_rest
            .clone()
            .unwrap_or_else(|| MetricCapture::from_pattern("", "", true));
        // A typed pattern is the metric's source; a file's metric file stays while none is.
        if !self.metric_pattern.trim().is_empty() || metric.file.is_none() {
            metric.pattern = Some(self.metric_pattern.clone());
            metric.file = None;
            metric.key = None;
        }
        metric.name = self.metric_name.trim().to_string();
        metric.higher_is_better = self.metric_higher_is_better;
        Some(metric)
    }

    fn folder(&self) -> Result<PathBuf, String> {
        let base = std::env::current_dir().map_err(|e| format!("the current folder: {e}"))?;
        Ok(match self.workdir.trim() {
            "" => base,
            typed => base.join(typed),
        })
    }

    fn key(&self) -> ResolutionKey {
        let folder = self.folder().unwrap_or_default();
        let files = self
            .line
            .split_whitespace()
            .skip(1)
            .map(|word| folder.join(word.trim_matches(['\'', '"'])))
            .filter(|path| path.is_file())
            .map(|path| {
                let stamp = path
                    .metadata()
                    .ok()
                    .and_then(|m| Some((m.len(), m.modified().ok()?)));
                (path, stamp)
            })
            .collect();
        ResolutionKey {
            line: self.line.clone(),
            workdir: self.workdir.clone(),
            timeout_s: self.timeout_s,
            metric: self.metric(),
            fixed_test_set: self.fixed_test_set,
            files,
        }
    }

    /// The command ready to run, or why it is not: its line parsed, its folder found, its
    /// program on PATH, its input files hashed.
    pub fn command(&self) -> Result<CommandConfig, String> {
        let key = self.key();
        let mut cached = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(resolution) = cached.as_ref()
            && resolution.key == key
        {
            return resolution.result.clone();
        }
        let result = (|| {
            let mut command = CommandConfig::from_command_line(&self.line)
                .map_err(|e| format!("Command: {}", e.message))?;
            command.timeout_s = self.timeout_s;
            command.env = self.env.clone();
            command.inputs = self.inputs.clone();
            command.metric = self.metric();
            command.fixed_test_set = self.fixed_test_set;
            if let Some(metric) = &command.metric {
                metric
                    .check()
                    .map_err(|e| format!("{}: {}", field_label(e.flag), e.message))?;
            }
            command.resolve(&self.folder()?).map_err(|e| e.to_string())
        })();
        *cached = Some(Resolution {
            key,
            result: result.clone(),
        });
        result
    }
}

/// The panel's name for a metric setting a check refused (the command line's flag otherwise).
fn field_label(flag: &str) -> &'static str {
    match flag {
        "metric-name" => "Metric name",
        "metric-file" => "Metric file",
        "metric-key" => "Metric key",
        "metric-scale" => "Metric scale",
        _ => "Metric pattern",
    }
}
