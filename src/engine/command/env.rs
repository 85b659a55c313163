//! What a run of a command is told through its environment (docs/your-command.md): one seed per source,
//! derived exactly as for a built-in run (equal across a condition's runs where the source is
//! fixed), the thread count, the gpu switches, who it is, and where to write its result.

use std::path::Path;

use crate::engine::command::CommandConfig;
use crate::engine::record::{RunRecord, SourceFingerprints};
use crate::engine::seeds::Source;
use crate::engine::train::RunPlan;

/// The variables that set a numeric library's thread count: 1 when threads are fixed, left
/// to the library's default when free.
pub const THREAD_VARIABLES: [&str; 3] =
    ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"];

/// What the gpu source sets when fixed (deterministic kernels requested), and removes when
/// free (the libraries' defaults).
pub const GPU_VARIABLES: [(&str, &str); 3] = [
    ("CUBLAS_WORKSPACE_CONFIG", ":4096:8"),
    ("TF_DETERMINISTIC_OPS", "1"),
    ("TF_CUDNN_DETERMINISTIC", "1"),
];

/// XLA's switch for deterministic GPU reductions, added to `XLA_FLAGS` when gpu is fixed.
pub const XLA_DETERMINISTIC: &str = "--xla_gpu_deterministic_ops=true";

/// The variable a source's seed is passed in (`SEEDSCOPE_SEED_INIT`).
pub fn seed_variable(source: Source) -> String {
    format!("SEEDSCOPE_SEED_{}", source.name().to_uppercase())
}

/// One run's environment: the variables to set and the ones to remove from what seedscope
/// itself inherited.
#[derive(Clone, Debug, PartialEq)]
pub struct RunEnvironment {
    pub set: Vec<(String, String)>,
    pub remove: Vec<String>,
    /// The thread count the run was told (the machine's when threads are free).
    pub threads: usize,
}

impl RunEnvironment {
    pub fn new(
        command: &CommandConfig,
        master_seed: u64,
        plan: &RunPlan,
        (result_file, run_dir): (&Path, &str),
    ) -> RunEnvironment {
        let condition = plan.condition;
        let mut set: Vec<(String, String)> = Vec::new();
        let mut remove: Vec<String> = Vec::new();
        for source in Source::ALL {
            if source == Source::Threads {
                continue;
            }
            set.push((seed_variable(source), plan.seeds.get(source).to_string()));
        }
        let threads = if condition.is_free(Source::Threads) {
            remove.extend(THREAD_VARIABLES.iter().map(|v| v.to_string()));
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            set.extend(
                THREAD_VARIABLES
                    .iter()
                    .map(|v| (v.to_string(), "1".to_string())),
            );
            1
        };
        set.push(("SEEDSCOPE_THREADS".into(), threads.to_string()));
        if condition.is_free(Source::Gpu) {
            set.push(("SEEDSCOPE_DETERMINISTIC".into(), "0".into()));
            remove.extend(GPU_VARIABLES.iter().map(|(name, _)| name.to_string()));
        } else {
            set.push(("SEEDSCOPE_DETERMINISTIC".into(), "1".into()));
            set.extend(
                GPU_VARIABLES
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string())),
            );
            let xla = match std::env::var("XLA_FLAGS") {
                Ok(flags) if !flags.trim().is_empty() => format!("{flags} {XLA_DETERMINISTIC}"),
                _ => XLA_DETERMINISTIC.to_string(),
            };
            set.push(("XLA_FLAGS".into(), xla));
        }
        set.push((
            "SEEDSCOPE_RUN".into(),
            format!("{}/{}", condition, plan.run_index),
        ));
        set.push(("SEEDSCOPE_MASTER_SEED".into(), master_seed.to_string()));
        // Python's string hashing is a source nobody toggles: always fixed.
        set.push(("PYTHONHASHSEED".into(), "0".into()));
        set.push(("SEEDSCOPE_RESULT".into(), result_file.display().to_string()));
        for (name, value) in &command.env {
            set.retain(|(existing, _)| existing != name);
            remove.retain(|existing| existing != name);
            // Placeholders in a value are filled as in argv (`SEED={seed}`, `OUT={rundir}`).
            let filling = crate::engine::config::placeholders::Filling {
                seeds: &plan.seeds,
                run_dir,
            };
            let value = crate::engine::config::placeholders::Template::parse(value)
                .map_or_else(|_| value.clone(), |t| t.fill(filling));
            set.push((name.clone(), value));
        }
        RunEnvironment {
            set,
            remove,
            threads,
        }
    }

    /// The value this environment gives `name`, if it sets one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.set
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The whole environment a run gets: seedscope's own, less what this removes, plus what
    /// it sets (the token aside). What a cold run's `Command` builds; a warm run sends it.
    pub fn variables(&self) -> std::collections::BTreeMap<String, String> {
        let mut variables: std::collections::BTreeMap<String, String> = std::env::vars().collect();
        for name in &self.remove {
            variables.remove(name);
        }
        variables.extend(self.set.iter().cloned());
        variables
    }
}

/// The record of a run that produced no result: its seeds are kept (a rerun can try the same
/// run), its metrics are absent, and `error` says why.
pub fn failed_record(plan: &RunPlan, message: String) -> RunRecord {
    let mut record = RunRecord::failed(plan.condition, plan.run_index, message);
    record.seeds = plan.seeds.to_map();
    record.fingerprints = SourceFingerprints::default();
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::ExperimentConfig;
    use crate::engine::seeds::Condition;

    /// "Fixed" is one seed in every run of a condition, "free" a seed per run, and freeing a
    /// source changes its variable alone.
    #[test]
    fn a_freed_source_alone_changes_its_variable() {
        let command = CommandConfig::from_command_line("true").unwrap();
        let config = ExperimentConfig::for_command(command.clone());
        let environment = |condition: Condition, run: usize| {
            let plan = RunPlan::new(&config, 42, condition, run);
            RunEnvironment::new(&command, 42, &plan, (Path::new("/tmp/result.json"), ""))
        };
        for condition in Condition::command_default_list() {
            for source in Source::ALL {
                if source == Source::Threads {
                    continue;
                }
                let name = seed_variable(source);
                let values: Vec<String> = (0..4)
                    .map(|run| environment(condition, run).get(&name).unwrap().to_string())
                    .collect();
                let distinct: std::collections::HashSet<&String> = values.iter().collect();
                let expected = if condition.is_free(source) { 4 } else { 1 };
                assert_eq!(distinct.len(), expected, "{condition} {name}");
                if !condition.is_free(source) {
                    assert_eq!(
                        environment(Condition::ALL_FIXED, 0).get(&name),
                        environment(condition, 3).get(&name),
                        "{condition}: {name} is the all-fixed one"
                    );
                }
            }
        }
    }
}
