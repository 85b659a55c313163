//! Analysis: pure functions of run records, no training and no files.
//!
//! [`sample`] holds the statistical primitives everything else uses (mean, std, quantiles,
//! t intervals, bootstrap); [`summary`] condenses one condition's runs; [`compare`] asks
//! whether two sets of runs differ; [`agreement`] measures where runs disagree (churn, the
//! decision map). Imports: analysis → engine (records, conditions), never the reverse.

pub mod agreement;
pub mod compare;
pub mod sample;
pub mod summary;
