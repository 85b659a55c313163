//! A sweep of a command's runs, as the worker pool (`engine::sweep`) hands them out: the
//! inputs fixed when it starts, looked at after every run, and the whole sweep stopped the
//! moment one was written (docs/your-command.md: an input that changes during a sweep stops it, and no run
//! that overlapped the change is kept).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::inputs::{InputWatch, hash_file};
use super::warm_pool::WarmPool;
use super::{CommandConfig, env, process, run_one};
use crate::engine::files::escape;
use crate::engine::metric::Metric;
use crate::engine::record::RunRecord;
use crate::engine::train::RunPlan;

/// One sweep's command, its inputs under watch.
pub struct CommandSweep<'a> {
    command: &'a CommandConfig,
    watch: InputWatch,
    /// Set when an input was written: every run in flight ends, none is kept.
    stop: AtomicBool,
    /// Why it stopped.
    reason: Mutex<Option<String>>,
    /// Why the sweep stopped, and the outputs found so far (each said once).
    notices: Mutex<Vec<String>>,
    /// The metric of the first run that reported one: every other run must report the same
    /// name and direction (two metrics averaged into one row mean nothing).
    metric: Mutex<Option<Metric>>,
    /// Warm parents for a Python script's runs (`--warm`), or None: every run cold.
    warm: Option<WarmPool>,
}

impl<'a> CommandSweep<'a> {
    /// Takes the inputs as they are now. Refuses when one no longer holds what the experiment
    /// was resolved with (edited since), before any run starts.
    pub fn start(command: &'a CommandConfig) -> Result<CommandSweep<'a>, String> {
        let watch = InputWatch::new(command);
        let folder = command.workdir.clone().unwrap_or_default();
        for (name, hash) in &command.input_hashes {
            let now = hash_file(&folder.join(name))
                .map_err(|e| format!("the input file {} cannot be read: {e}", escape(name)))?;
            if now != *hash {
                return Err(format!(
                    "the input file {} changed after the experiment was read; start it again to run the new version",
                    escape(name)
                ));
            }
        }
        Ok(CommandSweep {
            command,
            watch,
            stop: AtomicBool::new(false),
            reason: Mutex::new(None),
            notices: Mutex::new(Vec::new()),
            metric: Mutex::new(None),
            warm: None,
        })
    }

    /// Runs a Python script's runs warm: forked by parents that imported `preload` (empty:
    /// the script's own top-level third-party imports) once per environment class.
    pub fn with_warm(mut self, preload: Option<Vec<String>>) -> CommandSweep<'a> {
        self.warm = preload.map(WarmPool::new);
        self
    }

    /// Whether an input was written and the sweep is stopping.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Why the sweep stopped on its own, if it did.
    pub fn stop_reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// What the user should be told since the last call: outputs found, why it stopped.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs `plans` one after another; after each, looks at the inputs. A run that ended
    /// after an input was written is failed (it may have read either version) and the sweep
    /// stops; the runs still in flight are cancelled and not recorded.
    pub fn run_job(
        &self,
        (master_seed, gpu): (u64, Option<&str>),
        plans: &[RunPlan],
        cancel: &AtomicBool,
    ) -> Result<Vec<RunRecord>, process::Cancelled> {
        let stop = || cancel.load(Ordering::Relaxed) || self.stopped();
        let mut records = Vec::with_capacity(plans.len());
        for plan in plans {
            let record = self.one_metric(
                plan,
                run_one(
                    self.command,
                    (master_seed, gpu),
                    plan,
                    &stop,
                    self.warm.as_ref(),
                )?,
            );
            if let Some(note) = self.warm.as_ref().and_then(WarmPool::take_cold_note) {
                self.notices
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(note);
            }
            let seen = self.watch.look();
            self.note_outputs(&seen.created);
            if let Some(name) = seen.changed {
                let why = format!(
                    "the input file {name} was written during the sweep: the sweep stopped, and no run that overlapped the change is kept (if the command writes {name} itself, list its real inputs in command.inputs)"
                );
                if !self.stop.swap(true, Ordering::SeqCst) {
                    *self.reason.lock().unwrap_or_else(|e| e.into_inner()) = Some(why.clone());
                    self.notices
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(why.clone());
                }
                records.push(env::failed_record(plan, why));
                return Ok(records);
            }
            records.push(record);
        }
        Ok(records)
    }

    /// The run as recorded, or failed when it reports another metric or direction than the
    /// experiment's first run.
    fn one_metric(&self, plan: &RunPlan, record: RunRecord) -> RunRecord {
        if record.error.is_some() {
            return record;
        }
        let mut first = self.metric.lock().unwrap_or_else(|e| e.into_inner());
        let Some(expected) = first.as_ref() else {
            *first = Some(record.metric.clone());
            return record;
        };
        if *expected == record.metric {
            return record;
        }
        let direction = |m: &Metric| {
            if m.higher_is_better() {
                "higher is better"
            } else {
                "lower is better"
            }
        };
        env::failed_record(
            plan,
            format!(
                "it reported {} ({}), and this experiment's runs report {} ({}): one experiment has one metric and one direction",
                escape(record.metric.name()),
                direction(&record.metric),
                escape(expected.name()),
                direction(expected)
            ),
        )
    }

    fn note_outputs(&self, created: &[PathBuf]) {
        if created.is_empty() {
            return;
        }
        let names: Vec<String> = created
            .iter()
            .map(|p| escape(&p.display().to_string()))
            .collect();
        self.notices
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!(
                "{} {} written by the command: an output, never an input of the experiment",
                names.join(", "),
                if names.len() == 1 { "was" } else { "were" }
            ));
    }
}
