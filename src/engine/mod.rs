//! The engine: everything that turns an experiment into run records, and nothing that draws.
//!
//! The flow, one module a step: [`config`] (what to train) → [`seeds`] (one stream per source
//! and run) → [`data`] (draw the data set, split it) → [`model`] (init, forward, backward, with
//! [`kernels`] and [`dropout`]) → [`train`] (epochs of shuffled mini-batches, [`gradient`]
//! shards for the threads source, [`optim`], [`loss`]) → [`record`] (what a run records).
//! [`sweep`] runs many plans on worker threads; [`replay`] re-trains one record. [`presets`]
//! are the built-in experiments, [`runtime`] the process set-up training needs, [`files`] how
//! a file named by someone else is read and quoted, [`digest`] how a digest is written.
//!
//! Imports point from later steps to earlier ones; the engine imports nothing outside itself.

pub mod command;
pub mod config;
pub mod data;
pub mod digest;
pub mod dropout;
pub mod files;
pub mod fused;
pub mod gradient;
pub mod kernels;
pub mod loss;
pub mod metric;
pub mod model;
pub mod optim;
pub mod presets;
pub mod producer;
pub mod record;
pub mod replay;
pub mod runtime;
pub mod seeds;
pub mod shard;
pub mod study;
pub mod sweep;
pub mod sweep_thread;
pub mod train;
mod transpose;
