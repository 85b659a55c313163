//! seedscope: trains a small neural network many times and shows how much the result moves
//! from run to run, and which source of randomness is responsible.
//!
//! The engine (every module but `gui`) has no GUI dependency: the desktop app, the command
//! line and the tests all drive it the same way:
//!
//! `ExperimentConfig → RunPlan (seeds) → Dataset → Mlp → train_run → RunRecord → summaries`.

pub mod agreement;
pub mod bench;
pub mod cli;
pub mod compare;
pub mod config;
pub mod data;
pub mod dropout;
pub mod gradient;
pub mod kernels;
pub mod loss;
pub mod model;
pub mod optim;
pub mod presets;
pub mod replay;
pub mod results;
pub mod runtime;
pub mod seeds;
pub mod stats;
pub mod sweep;
pub mod train;

#[cfg(feature = "gui")]
pub mod gui;

// glibc's malloc hands memory back to the OS on almost every training step for these tiny
// tensors (tens of thousands of brk calls, DESIGN.md); mimalloc keeps it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
