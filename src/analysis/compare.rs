//! Is a difference between two sets of runs real? Welch's t-test, the difference of means with
//! its CI, and P(A>B) with a percentile-bootstrap CI, read with Bouthillier et al.'s rule
//! (MLSys 2021): A is better when the CI's lower bound > 0.5 and its upper bound ≥ 0.75.
//!
//! Which question the words answer depends on what the two sets are ([`Question`]). Two
//! randomness conditions of one setting (only-init against only-shuffle) are not competitors:
//! neither is "better", one source just moves the result more, so their verdict reads the two
//! spreads (the ratio of standard deviations with a bootstrap CI). Two settings (dropout 0 against
//! dropout 0.2, `compare --b-file`) are competitors, and Bouthillier's rule says which is better.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::sample::{bootstrap_ci2, mean, std_dev};
use super::summary::format_value;

/// What a comparison asks of its two sets of runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Two randomness conditions of one setting: which source moves the result more.
    Spread,
    /// Two settings (another sweep's file): which one gives the better result.
    #[default]
    Better,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub n_a: usize,
    pub n_b: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    /// mean(A) − mean(B).
    pub mean_diff: f64,
    /// 95% CI of mean(A) − mean(B) (Welch).
    pub ci_low: f64,
    pub ci_high: f64,
    pub welch_t: f64,
    pub welch_df: f64,
    pub welch_p: f64,
    /// P(A > B) over all pairings (a, b), ties counting one half.
    pub p_a_gt_b: f64,
    pub p_ci_low: f64,
    pub p_ci_high: f64,
    pub higher_is_better: bool,
    /// Which question the verdict answers.
    #[serde(default)]
    pub question: Question,
    /// Each side's standard deviation, and std(A)/std(B) with its 95% bootstrap CI: how much
    /// more one side's runs spread.
    #[serde(default)]
    pub std_a: f64,
    #[serde(default)]
    pub std_b: f64,
    #[serde(default)]
    pub std_ratio: f64,
    #[serde(default)]
    pub std_ratio_ci_low: f64,
    #[serde(default)]
    pub std_ratio_ci_high: f64,
    pub verdict: String,
}

/// Welch's t statistic, degrees of freedom, two-sided p, and the 95% CI of mean(a) − mean(b).
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64, f64, f64)> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    // Degrees of freedom square the variances: for values beyond ~1e77 (an MSE can reach
    // 1e77) that overflows. t and df do not depend on the scale, so very large values are
    // first divided by a power of two — exact, so every smaller value gives the same bits.
    let largest = a.iter().chain(b).fold(0.0f64, |m, v| m.max(v.abs()));
    if largest.is_finite() && largest > 2f64.powi(100) {
        let scale = 2f64.powi(largest.log2().floor() as i32);
        let (a, b): (Vec<f64>, Vec<f64>) = (
            a.iter().map(|v| v / scale).collect(),
            b.iter().map(|v| v / scale).collect(),
        );
        let (t, df, p, low, high) = welch(&a, &b)?;
        return Some((t, df, p, low * scale, high * scale));
    }
    let (va, vb) = (std_dev(a)?.powi(2), std_dev(b)?.powi(2));
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let diff = mean(a)? - mean(b)?;
    let se2 = va / na + vb / nb;
    if se2 == 0.0 {
        // Both sets constant: either identical (no evidence of a difference) or certainly apart.
        let p = if diff == 0.0 { 1.0 } else { 0.0 };
        let t = if diff == 0.0 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        };
        return Some((t, f64::INFINITY, p, diff, diff));
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / ((va / na).powi(2) / (na - 1.0) + (vb / nb).powi(2) / (nb - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let p = 2.0 * (1.0 - dist.cdf(t.abs()));
    let half = dist.inverse_cdf(0.975) * se2.sqrt();
    Some((t, df, p, diff - half, diff + half))
}

/// P(A > B) over all n_a × n_b pairings, ties counting one half (the Mann–Whitney U / n_a n_b).
pub fn probability_a_beats_b(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let mut sorted_b = b.to_vec();
    sorted_b.sort_by(f64::total_cmp);
    let mut wins = 0.0;
    for value in a {
        let below = sorted_b.partition_point(|x| x < value);
        let not_above = sorted_b.partition_point(|x| x <= value);
        wins += below as f64 + 0.5 * (not_above - below) as f64;
    }
    wins / (a.len() * b.len()) as f64
}

/// Two settings' verdict in plain words, from the point of view of "better" for this metric.
pub fn better_verdict(a: &str, b: &str, p_a_better: f64, low: f64, high: f64) -> String {
    let percent = |p: f64| format!("{:.0}%", p * 100.0);
    if low > 0.5 && high >= 0.75 {
        format!(
            "{a} beats {b} in {} of pairings [{}, {}]: likely better",
            percent(p_a_better),
            percent(low),
            percent(high)
        )
    } else if high < 0.5 && low <= 0.25 {
        format!(
            "{b} beats {a} in {} of pairings [{}, {}]: likely better",
            percent(1.0 - p_a_better),
            percent(1.0 - high),
            percent(1.0 - low)
        )
    } else if low > 0.5 {
        format!(
            "{a} beats {b} in {} of pairings [{}, {}]: a real but small difference",
            percent(p_a_better),
            percent(low),
            percent(high)
        )
    } else if high < 0.5 {
        format!(
            "{b} beats {a} in {} of pairings [{}, {}]: a real but small difference",
            percent(1.0 - p_a_better),
            percent(1.0 - high),
            percent(1.0 - low)
        )
    } else {
        format!(
            "within run-to-run noise: {a} beats {b} in {} of pairings [{}, {}]",
            percent(p_a_better),
            percent(low),
            percent(high)
        )
    }
}

/// Two randomness conditions' verdict: which spreads the result more (std(A)/std(B) and its CI),
/// then whether their means differ — which, for two conditions of one setting, is the draw
/// their fixed sources sit at, not one being better.
pub fn spread_verdict(a: &str, b: &str, spreads: &Spreads, means_apart: bool) -> String {
    let ratio = |r: f64| {
        if r.is_finite() {
            format!("{r:.1}×")
        } else {
            "∞".to_string()
        }
    };
    let figures = format!(
        "std {} against {}, a ratio of {} [{}, {}]",
        format_value(Some(spreads.std_a)),
        format_value(Some(spreads.std_b)),
        ratio(spreads.ratio),
        ratio(spreads.ci_low),
        ratio(spreads.ci_high)
    );
    let spread = if spreads.ci_low > 1.0 {
        format!("{a} moves the result more than {b} ({figures})")
    } else if spreads.ci_high < 1.0 {
        format!("{b} moves the result more than {a} ({figures})")
    } else {
        format!("{a} and {b} move the result alike, within what these runs can tell ({figures})")
    };
    let level = if means_apart {
        "their means differ: that is where their fixed sources' seeds landed, not a difference in quality"
    } else {
        "their means agree within run-to-run noise"
    };
    format!("{spread}; {level}")
}

/// Both sides' standard deviations and their ratio with a 95% bootstrap CI.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spreads {
    pub std_a: f64,
    pub std_b: f64,
    pub ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// std(A)/std(B) with its percentile-bootstrap CI; a constant B gives an infinite ratio.
pub fn spreads(a: &[f64], b: &[f64]) -> Spreads {
    let std = |values: &[f64]| std_dev(values).unwrap_or(0.0);
    let ratio = |a: &[f64], b: &[f64]| {
        let (sa, sb) = (std(a), std(b));
        if sb == 0.0 {
            if sa == 0.0 { 1.0 } else { f64::INFINITY }
        } else {
            sa / sb
        }
    };
    let (ci_low, ci_high) = bootstrap_ci2(a, b, ratio);
    Spreads {
        std_a: std(a),
        std_b: std(b),
        ratio: ratio(a, b),
        ci_low,
        ci_high,
    }
}

/// Compares the final metrics of two sets of runs, answering `question`.
pub fn compare(
    name_a: &str,
    a: &[f64],
    name_b: &str,
    b: &[f64],
    higher_is_better: bool,
    question: Question,
) -> Result<Comparison, String> {
    if a.len() < 2 || b.len() < 2 {
        return Err(format!(
            "need at least 2 finished runs on each side; {name_a} has {}, {name_b} has {}",
            a.len(),
            b.len()
        ));
    }
    let (welch_t, welch_df, welch_p, ci_low, ci_high) =
        welch(a, b).ok_or_else(|| {
            let largest = a.iter().chain(b).fold(0.0f64, |m, v| m.max(v.abs()));
            format!(
                "the t-test cannot be computed: its arithmetic overflows on these metrics (largest magnitude {largest:e})"
            )
        })?;
    let p_a_gt_b = probability_a_beats_b(a, b);
    let (p_ci_low, p_ci_high) = bootstrap_ci2(a, b, probability_a_beats_b);
    // "Better" follows the metric: for MSE, A is better when it is lower.
    let (p_better, low, high) = if higher_is_better {
        (p_a_gt_b, p_ci_low, p_ci_high)
    } else {
        (1.0 - p_a_gt_b, 1.0 - p_ci_high, 1.0 - p_ci_low)
    };
    let spreads = spreads(a, b);
    let verdict = match question {
        Question::Better => better_verdict(name_a, name_b, p_better, low, high),
        Question::Spread => spread_verdict(name_a, name_b, &spreads, ci_low > 0.0 || ci_high < 0.0),
    };
    Ok(Comparison {
        a: name_a.to_string(),
        b: name_b.to_string(),
        n_a: a.len(),
        n_b: b.len(),
        mean_a: mean(a).unwrap_or(f64::NAN),
        mean_b: mean(b).unwrap_or(f64::NAN),
        mean_diff: mean(a).unwrap_or(f64::NAN) - mean(b).unwrap_or(f64::NAN),
        ci_low,
        ci_high,
        welch_t,
        welch_df,
        welch_p,
        p_a_gt_b,
        p_ci_low,
        p_ci_high,
        higher_is_better,
        question,
        std_a: spreads.std_a,
        std_b: spreads.std_b,
        std_ratio: spreads.ratio,
        std_ratio_ci_low: spreads.ci_low,
        std_ratio_ci_high: spreads.ci_high,
        verdict,
    })
}
