//! Analysis: pure functions of run records, no training and no files.
//!
//! [`sample`] holds the statistical primitives everything else uses (mean, std, quantiles,
//! t intervals, bootstrap); [`summary`] condenses one condition's runs; [`compare`] asks
//! whether two sets of runs differ (and [`paired`], pair by pair, when they drew the same seeds); [`agreement`] measures where runs disagree (churn, the
//! decision map); [`luck`] reads a fixed-seed result against free runs (percentile,
//! expected best of k seeds); [`reading`] picks the honest question for a pair (a
//! difference of spreads, seed luck, or a fixed difference); [`runs_needed`] says how many repeats a precise mean or a
//! detectable difference takes, and how the estimates converge run by run; [`test_noise`] separates a spread into test-set noise and
//! the model's real variance. Imports: analysis → engine (records, conditions), never the reverse.
//!
//! Where a statistic cannot be given (`compare::compare`, `reading::read_pair`, the noise
//! estimate of `summary`), the error is its reason as a sentence — "only-init has 1 finished
//! run; a reading needs at least 2 on each side" — which the app and the CLI show as it is.
//! No caller branches on it, so it stays text (`Result<_, String>`), on purpose.

// Unsafe code lives in the engine (its vector kernels and the few system calls), where each
// block says why it is sound; this tree has none and may never gain any.
#![forbid(unsafe_code)]

pub mod agreement;
pub mod compare;
pub mod counted_noise;
pub mod diagnosis;
pub mod effect;
pub mod luck;
pub mod noise_reading;
pub mod one_seed;
pub mod paired;
pub mod rank_tests;
pub mod reading;
pub mod runs_needed;
pub mod sample;
pub mod settings_reading;
pub mod summary;
pub mod test_noise;
pub mod words;
