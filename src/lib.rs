//! seedscope: trains a small neural network many times and shows how much the result moves
//! from run to run, and which source of randomness is responsible.
//!
//! The folders draw the pipeline, and imports only point down this list:
//!
//! - [`engine`]: `ExperimentConfig → RunPlan (seeds) → Dataset → Mlp → train → RunRecord`,
//!   and the sweep that runs many plans.
//! - [`analysis`]: pure functions of run records (summaries, comparisons, churn).
//! - [`records`]: results files (JSON, CSV) that keep and exchange run records.
//! - [`cli`] and `gui`: the two front ends, which drive the same engine.
//!
//! Everything but `gui` builds without egui (`cargo check --no-default-features --lib`).

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod records;

#[cfg(feature = "gui")]
pub mod gui;

// The small public surface most callers need.
pub use analysis::summary::{ConditionSummary, summarize_conditions};
pub use engine::config::ExperimentConfig;
pub use engine::record::RunRecord;
pub use engine::seeds::{Condition, Source};
pub use engine::sweep::{SweepEvent, SweepSpec, run_sweep};
pub use records::ResultsFile;

// glibc's malloc hands memory back to the OS on almost every training step for these tiny
// tensors (tens of thousands of brk calls; ARCHITECTURE.md, "Facts"); mimalloc keeps it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
