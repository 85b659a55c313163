//! Many runs on a worker pool: progress events over a channel, cancellation that keeps every
//! finished run, and a worker panic reported as a failed run.
//!
//! Every run is a pure function of (config, master seed, condition, run index), so which
//! worker runs it, and when, cannot change its result: a sweep gives the same records with 1
//! or N workers. Records are sorted into (condition, run index) order at the end.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::engine::command::sweep::CommandSweep;
use crate::engine::config::ExperimentConfig;
use crate::engine::record::{RunId, RunRecord};
use crate::engine::seeds::Condition;
use crate::engine::train::{RunPlan, TrainError, train_group};

/// Most runs trained as one batched program. Larger batches amortise per-operation overhead
/// further, smaller ones keep both cores busy and the GUI's plots filling in steadily.
pub const MAX_BATCH_RUNS: usize = 32;

#[derive(Clone, Debug)]
pub struct SweepSpec {
    pub config: ExperimentConfig,
    pub master_seed: u64,
    pub workers: usize,
    /// Run workers at a lower scheduling priority (the GUI: the window must stay smooth).
    pub low_priority: bool,
    /// (condition, run index) pairs not to train: the caller already has them (the run
    /// store). Every other run is trained exactly as it would be in a full sweep.
    pub skip: HashSet<RunId>,
    /// Score every run on the fresh sample (`data::fresh`). Always on, except in `bench`,
    /// which times the sweep without it to report what fresh scoring costs.
    pub score_fresh: bool,
    /// Collect the finished runs into [`SweepOutcome::runs`] (the CLI and the tests). The
    /// app, which receives every run as an event and keeps it in its session, turns this
    /// off: a second copy of 100,000 records was half the window's memory.
    pub collect_runs: bool,
    /// A command's runs: the GPUs to hand out (`--gpus 0,1`), one a worker, through
    /// `CUDA_VISIBLE_DEVICES`. Where runs execute, not what they compute: not in the store key.
    pub gpus: Vec<String>,
    /// A Python command's runs warm (`--warm`): the modules to preload, empty for the
    /// script's own imports; None runs every run cold. How runs start, not what they
    /// compute (the same bits, tested): not in the store key.
    pub warm: Option<Vec<String>>,
}

impl SweepSpec {
    /// A sweep of every run of `config`.
    pub fn new(config: ExperimentConfig, master_seed: u64, workers: usize) -> SweepSpec {
        SweepSpec {
            config,
            master_seed,
            workers,
            low_priority: false,
            skip: HashSet::new(),
            score_fresh: true,
            collect_runs: true,
            gpus: Vec::new(),
            warm: None,
        }
    }

    /// Runs this sweep will train: the sweep's runs less the skipped ones among them. It
    /// counts without planning the jobs (planning 100,000 runs took a frame of ~50 ms).
    pub fn runs_to_train(&self) -> usize {
        let conditions: HashSet<Condition> = self.config.conditions.iter().copied().collect();
        let skipped = self
            .skip
            .iter()
            .filter(|id| id.index < self.config.repeats && conditions.contains(&id.condition))
            .count();
        total_runs(&self.config) - skipped
    }
}

/// Every (condition, run index) pair of `config`'s sweep, in sweep order.
pub fn sweep_pairs(config: &ExperimentConfig) -> Vec<RunId> {
    config
        .conditions
        .iter()
        .flat_map(|c| (0..config.repeats).map(move |i| RunId::new(*c, i)))
        .collect()
}

#[derive(Clone, Debug)]
pub enum SweepEvent {
    /// A run completed an epoch.
    Epoch {
        condition: Condition,
        run_index: usize,
        epochs_done: usize,
    },
    /// A run finished (including diverged and failed runs).
    RunFinished(Box<RunRecord>),
    /// Something the user should read once: a command's output found, or why the sweep
    /// stopped (an input written during it).
    Notice(String),
    /// No more events will come.
    Finished { cancelled: bool, elapsed: Duration },
}

pub struct SweepOutcome {
    pub runs: Vec<RunRecord>,
    pub cancelled: bool,
    pub elapsed: Duration,
    /// Why the sweep stopped before its end on its own (a command's input was written).
    pub stopped: Option<String>,
}

/// The worker count to use by default: one per core.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One unit of work: runs of one condition trained together.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub condition: Condition,
    pub run_indices: Vec<usize>,
}

/// The sweep's jobs. Runs whose bits cannot depend on thread timing are batched (up to
/// [`MAX_BATCH_RUNS`]) with runs of the same thread count; racing runs go alone. Jobs are
/// interleaved across conditions so every condition's distribution grows while the sweep runs.
pub fn jobs(config: &ExperimentConfig, master_seed: u64) -> Vec<Job> {
    jobs_skipping(config, master_seed, &HashSet::new())
}

/// [`jobs`] without the runs in `skip`.
pub fn jobs_skipping(
    config: &ExperimentConfig,
    master_seed: u64,
    skip: &HashSet<RunId>,
) -> Vec<Job> {
    let per_condition: Vec<Vec<Job>> = config
        .conditions
        .iter()
        .map(|condition| {
            let mut jobs = Vec::new();
            let mut batches: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
            for run in 0..config.repeats {
                if !skip.is_empty() && skip.contains(&RunId::new(*condition, run)) {
                    continue;
                }
                if config.command.is_some() {
                    // A command's run is a process of its own: one a job, so N workers run N
                    // commands at once.
                    jobs.push(Job {
                        condition: *condition,
                        run_indices: vec![run],
                    });
                    continue;
                }
                let threads = RunPlan::new(config, master_seed, *condition, run).threads;
                if !threads.batchable() {
                    jobs.push(Job {
                        condition: *condition,
                        run_indices: vec![run],
                    });
                    continue;
                }
                let batch = batches.entry(threads.count).or_default();
                batch.push(run);
                if batch.len() == MAX_BATCH_RUNS {
                    jobs.push(Job {
                        condition: *condition,
                        run_indices: std::mem::take(batch),
                    });
                }
            }
            jobs.extend(
                batches
                    .into_values()
                    .filter(|b| !b.is_empty())
                    .map(|run_indices| Job {
                        condition: *condition,
                        run_indices,
                    }),
            );
            jobs
        })
        .collect();
    let longest = per_condition.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|k| {
            per_condition
                .iter()
                .filter_map(move |jobs| jobs.get(k).cloned())
        })
        .collect()
}

/// Runs in a sweep.
pub fn total_runs(config: &ExperimentConfig) -> usize {
    config.conditions.len() * config.repeats
}

/// Lowers the calling thread's scheduling priority (nice 10), so a window sharing the machine
/// with a sweep stays responsive: the workers only get what the UI leaves. Linux threads have
/// their own nice value, and threads they start (shard workers) inherit it.
fn yield_to_interactive_work() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread (who = 0) has no memory-safety preconditions.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Sorts records by (condition in sweep order, run index): the order of every results file.
/// Each key is computed once (the names too): at 100,000 runs, naming every condition in
/// every comparison took the window's frame for most of a second.
pub fn sort_into_sweep_order(conditions: &[Condition], runs: &mut [RunRecord]) {
    runs.sort_by_cached_key(|record| {
        let position = conditions.iter().position(|c| *c == record.condition);
        (position, record.run_index)
    });
}

// Long because the worker pool is one piece: the job queue, the workers' panic guard and the
// event loop share the cancel flag and the channel, and split apart they would hide that.
/// Runs the whole sweep on `spec.workers` threads, calling `on_event` on the calling thread.
pub fn run_sweep(
    spec: &SweepSpec,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(&SweepEvent),
) -> SweepOutcome {
    crate::engine::runtime::configure();
    let started = Instant::now();
    let jobs = jobs_skipping(&spec.config, spec.master_seed, &spec.skip);
    let to_train: usize = jobs.iter().map(|job| job.run_indices.len()).sum();
    let next_job = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<SweepEvent>();
    let mut runs = Vec::with_capacity(jobs.len());
    let mut finished = 0;
    let command_sweep =
        match spec.config.command.as_ref().map(|command| {
            CommandSweep::start(command).map(|sweep| sweep.with_warm(spec.warm.clone()))
        }) {
            Some(Err(why)) => {
                on_event(&SweepEvent::Notice(why.clone()));
                let elapsed = started.elapsed();
                on_event(&SweepEvent::Finished {
                    cancelled: true,
                    elapsed,
                });
                return SweepOutcome {
                    runs,
                    cancelled: true,
                    elapsed,
                    stopped: Some(why),
                };
            }
            Some(Ok(command_sweep)) => Some(command_sweep),
            None => None,
        };

    std::thread::scope(|scope| {
        for worker in 0..spec.workers.max(1) {
            let sender = sender.clone();
            let gpu = (!spec.gpus.is_empty()).then(|| spec.gpus[worker % spec.gpus.len()].as_str());
            let (jobs, next_job, config) = (&jobs, &next_job, &spec.config);
            let command_sweep = command_sweep.as_ref();
            scope.spawn(move || {
                if spec.low_priority {
                    yield_to_interactive_work();
                }
                loop {
                    if cancel.load(Ordering::Relaxed) || command_sweep.is_some_and(|c| c.stopped())
                    {
                        break;
                    }
                    let job = next_job.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(job) else {
                        break;
                    };
                    let plans: Vec<RunPlan> = job
                        .run_indices
                        .iter()
                        .map(|&i| {
                            let plan = RunPlan::new(config, spec.master_seed, job.condition, i);
                            RunPlan {
                                fresh_seed: plan.fresh_seed.filter(|_| spec.score_fresh),
                                ..plan
                            }
                        })
                        .collect();
                    let mut on_epoch = |epochs_done| {
                        for &run_index in &job.run_indices {
                            let _ = sender.send(SweepEvent::Epoch {
                                condition: job.condition,
                                run_index,
                                epochs_done,
                            });
                        }
                        !cancel.load(Ordering::Relaxed)
                    };
                    if let Some(command_sweep) = command_sweep {
                        let outcome =
                            command_sweep.run_job((spec.master_seed, gpu), &plans, cancel);
                        for notice in command_sweep.take_notices() {
                            let _ = sender.send(SweepEvent::Notice(notice));
                        }
                        match outcome {
                            Ok(records) => {
                                for record in records {
                                    let _ = sender.send(SweepEvent::RunFinished(Box::new(record)));
                                }
                                continue;
                            }
                            Err(crate::engine::command::process::Cancelled) => break,
                        }
                    }
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        train_group(config, &plans, &mut on_epoch)
                    }));
                    let failed = |message: String| -> Vec<RunRecord> {
                        job.run_indices
                            .iter()
                            .map(|&i| RunRecord::failed(job.condition, i, message.clone()))
                            .collect()
                    };
                    let records = match outcome {
                        Ok(Ok(records)) => records,
                        Ok(Err(TrainError::Cancelled)) => break,
                        Ok(Err(error)) => failed(error.to_string()),
                        Err(payload) => failed(format!(
                            "worker panicked: {}",
                            panic_message(payload.as_ref())
                        )),
                    };
                    for record in records {
                        let _ = sender.send(SweepEvent::RunFinished(Box::new(record)));
                    }
                }
            });
        }
        drop(sender);
        for event in receiver.iter() {
            on_event(&event);
            if let SweepEvent::RunFinished(record) = event {
                finished += 1;
                if spec.collect_runs {
                    runs.push(*record);
                }
            }
        }
    });

    sort_into_sweep_order(&spec.config.conditions, &mut runs);
    let stopped = command_sweep.as_ref().and_then(CommandSweep::stop_reason);
    let cancelled = (cancel.load(Ordering::Relaxed) || stopped.is_some()) && finished < to_train;
    let elapsed = started.elapsed();
    on_event(&SweepEvent::Finished { cancelled, elapsed });
    SweepOutcome {
        runs,
        cancelled,
        elapsed,
        stopped,
    }
}
