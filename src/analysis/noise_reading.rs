//! The one-line reading of test-set noise a user sees first (Which sources matter, `run`):
//! of the largest spread that could be split, how much is coin flips, and how far the model
//! itself really moves.

use super::summary::{ConditionSummary, format_value};
use super::test_noise::{DifferenceNoise, difference_noise};
use crate::engine::metric::Metric;
use crate::engine::record::RunRecord;

/// A spread in the metric's own words: percentage points of accuracy, or the MSE's value.
pub fn format_spread(value: f64, metric: &Metric) -> String {
    if metric.is_share_of_points() {
        format!("{:.2} pp", value * 100.0)
    } else {
        format_value(Some(value))
    }
}

/// The condition with the largest spread whose noise could be separated, read in plain words,
/// e.g. "Of only-init's 0.86 pp spread on 90 test points, about 90% is what 90 coin flips
/// produce; on 20000 fresh points it moves 0.30 pp." `drawn_data`: the data set comes from a
/// generator, so more samples mean more test points. `fresh_points`: what the fresh scores
/// were measured on, in words (`fresh::fresh_points_words`).
pub fn noise_reading(
    summaries: &[ConditionSummary],
    metric: &Metric,
    drawn_data: bool,
    fresh_points: &str,
) -> Option<String> {
    let worst = summaries
        .iter()
        .filter(|s| s.noise_share.is_some() && s.std.is_some_and(|std| std > 0.0))
        .max_by(|a, b| a.std.unwrap_or(0.0).total_cmp(&b.std.unwrap_or(0.0)))?;
    let (std, share, points) = (worst.std?, worst.noise_share?, worst.test_points?);
    let flips = if metric.is_share_of_points() {
        format!("{points} coin flips produce")
    } else {
        format!("independent errors on {points} points produce")
    };
    let mut text = format!(
        "Of {}'s {} spread on {points} test points, about {:.0}% is what {flips}",
        worst.condition,
        format_spread(std, metric),
        share * 100.0
    );
    match (worst.fresh_std, worst.true_std, worst.true_std_upper) {
        (Some(fresh), _, _) => text.push_str(&format!(
            "; on {fresh_points} it moves {}.",
            format_spread(fresh, metric)
        )),
        (None, Some(true_std), Some(upper)) => text.push_str(&format!(
            "; the model itself moves about {} (at most {}).",
            format_spread(true_std, metric),
            format_spread(upper, metric)
        )),
        _ => text.push('.'),
    }
    if share >= 0.5 {
        text.push_str(if drawn_data {
            " More test points shrink the noise: draw more samples."
        } else {
            " More test points (a larger test fraction) shrink the noise."
        });
    }
    Some(text)
}

/// The test-set noise in comparing runs `a` with runs `b`, when every scored run of both sides
/// was tested on the same points. `same_data`: the caller knows both sides saw one data set
/// (one results file, or two with the same data settings and master seed) and neither side's
/// data source was free.
pub fn comparison_noise<'a>(
    a: &[&'a RunRecord],
    b: &[&'a RunRecord],
    same_data: bool,
    higher_is_better: bool,
) -> Option<DifferenceNoise> {
    let scored = |runs: &[&'a RunRecord]| -> Vec<&'a RunRecord> {
        runs.iter()
            .filter(|r| r.final_test_metric.is_some())
            .copied()
            .collect()
    };
    let (a, b) = (scored(a), scored(b));
    let first = a.first()?;
    let shared = a
        .iter()
        .chain(&b)
        .all(|r| r.test_indices == first.test_indices && !r.test_errors.is_empty());
    if !same_data || !shared {
        return None;
    }
    let rows = |runs: &[&'a RunRecord]| -> Vec<&'a [f32]> {
        runs.iter()
            .map(|r| r.test_errors.as_slice())
            .collect::<Vec<_>>()
    };
    difference_noise(&rows(&a), &rows(&b), higher_is_better)
}

/// A comparison's test-set noise in one sentence.
pub fn difference_noise_line(noise: &DifferenceNoise, metric: &Metric) -> String {
    let bound = format_spread(1.96 * noise.noise_std, metric);
    let difference = format_spread(noise.difference.abs(), metric);
    if noise.within_noise {
        format!(
            "Within test-set noise: the {difference} difference rests on {} shared test points, and another {} points from the same source could move it by ±{bound} (95%).",
            noise.test_points, noise.test_points
        )
    } else {
        format!(
            "Beyond test-set noise: the {difference} difference is more than another {} test points could move it (±{bound}, 95%).",
            noise.test_points
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::Outcomes;
    use crate::analysis::summary::summarize_outcomes;

    fn summary(
        name: &str,
        std_values: &[f64],
        share: Option<f64>,
        fresh: Option<f64>,
    ) -> ConditionSummary {
        let outcomes = Outcomes {
            metrics: std_values.to_vec(),
            finished: 0,
            distinct_hashes: 0,
            hashes_are_weights: true,
            diverged: 0,
            failed: 0,
            churn: None,
            noise: Err("not estimated".into()),
            counted_points: None,
            fresh: None,
        };
        ConditionSummary {
            noise_share: share,
            test_points: share.map(|_| 90),
            true_std: share.map(|_| 0.003),
            true_std_upper: share.map(|_| 0.006),
            fresh_std: fresh,
            ..summarize_outcomes(name.parse().unwrap(), &outcomes)
        }
    }

    #[test]
    fn the_reading_names_the_largest_separable_spread() {
        let summaries = [
            summary("all-free", &[0.80, 0.90, 0.85], None, None),
            summary("only-init", &[0.84, 0.86, 0.85], Some(0.9), Some(0.003)),
            summary(
                "only-dropout",
                &[0.845, 0.85, 0.855],
                Some(0.95),
                Some(0.002),
            ),
        ];
        let text =
            noise_reading(&summaries, &Metric::Accuracy, true, "20000 fresh points").unwrap();
        assert!(text.starts_with("Of only-init's 1.00 pp spread on 90 test points, about 90% is what 90 coin flips produce; on 20000 fresh points it moves 0.30 pp."), "{text}");
        assert!(text.contains("draw more samples"), "{text}");
    }

    #[test]
    fn without_fresh_data_the_estimate_and_its_bound_are_read() {
        let summaries = [summary("only-init", &[0.84, 0.86, 0.85], Some(0.3), None)];
        let text =
            noise_reading(&summaries, &Metric::Accuracy, false, "20000 fresh points").unwrap();
        assert!(
            text.ends_with("the model itself moves about 0.30 pp (at most 0.60 pp)."),
            "{text}"
        );
    }

    #[test]
    fn nothing_to_read_without_an_estimate() {
        let summaries = [summary("only-split", &[0.8, 0.9, 0.85], None, None)];
        assert_eq!(
            noise_reading(&summaries, &Metric::Accuracy, true, "20000 fresh points"),
            None
        );
    }
}
