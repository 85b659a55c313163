//! Test-set noise from counts alone (docs/your-command.md, `--fixed-test-set`): a command that
//! prints only correct/total has no per-example errors, so its counts can at most bound the
//! noise, and only where every run scored the same points.

use super::sample::{mean, std_dev};
use super::words::format_value;
use crate::engine::record::RunRecord;

/// The one test-set size every scored run's count was on, when each run has one.
pub(super) fn counted_points(scored: &[&&RunRecord]) -> Option<usize> {
    let first = scored.first()?.counted_test_points?;
    scored
        .iter()
        .all(|r| r.counted_test_points == Some(first))
        .then_some(first as usize)
}

/// What correct/total counts alone say of test-set noise: with p̄ the mean accuracy and n the
/// points, the independent coin flips of the points add at most p̄(1−p̄)/n to the variance of
/// the runs' accuracies (Σᵢ pᵢ(1−pᵢ) ≤ n·p̄(1−p̄), by concavity). A bound, not an estimate:
/// per-example errors would measure it (docs/test-set-noise.md).
pub fn counted_noise_note(values: &[f64], points: usize) -> String {
    let Some(p) = mean(values) else {
        return format!("counted on {points} points, and no run finished");
    };
    let bound = p * (1.0 - p) / points as f64;
    let share = match std_dev(values) {
        Some(s) if s > 0.0 => format!(
            ", at most {:.0}% of the spread",
            (bound / (s * s)).min(1.0) * 100.0
        ),
        _ => {
            return format!(
                "counted on {points} points; the runs do not spread, so there is no noise to bound"
            );
        }
    };
    format!(
        "from counts alone ({points} points, the same in every run as --fixed-test-set states): \
         test-set noise is at most ±{} (binomial bound √(p(1−p)/n)){share}; per-example errors would measure it",
        format_value(Some(bound.sqrt()))
    )
}
