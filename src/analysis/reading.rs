//! Which question a pair of conditions can honestly answer.
//!
//! A condition whose runs are bitwise identical is one outcome repeated, not a sample: its
//! n runs are one draw (n_eff = 1), and Welch's t-test or P(A>B) over them would treat one
//! number as thirty. So:
//! - both sides spread → a comparison of two distributions ([`compare`]);
//! - one side is one outcome → seed luck: where that one result sits among the other side's
//!   runs ([`super::luck`]);
//! - both sides are one outcome each → they differ by a fixed amount, and no spread can be
//!   estimated, so nothing is tested.

use crate::engine::metric::Metric;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::compare::{Comparison, Question, compare};
use super::luck::{SeedLuck, seed_luck};

/// One side of a comparison: its name, final metrics and weight hashes (finished runs only).
pub struct Side<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
    pub hashes: &'a [&'a str],
}

impl Side<'_> {
    /// Bitwise identical runs (at least two): one outcome, however many times it was run.
    /// A single run is not a repeat: it says nothing about whether the next run would match.
    fn one_outcome(&self) -> bool {
        self.hashes.len() >= 2 && self.hashes.iter().collect::<HashSet<_>>().len() == 1
    }
}

/// The honest reading of a pair. In JSON, `kind` says which (`difference`, `seed_luck`,
/// `fixed_difference`) and the other keys are the variant's fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PairReading {
    Difference(Comparison),
    SeedLuck(LuckReading),
    FixedDifference(FixedPair),
}

/// One side is one outcome: its result read against the other side's runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LuckReading {
    /// The condition whose runs are one outcome, and which side it was ("a" or "b").
    pub fixed_condition: String,
    pub fixed_side: String,
    /// How many (identical) runs the fixed side has.
    pub fixed_runs: usize,
    /// The condition whose runs spread.
    pub free_condition: String,
    #[serde(flatten)]
    pub luck: SeedLuck,
    /// The reading in words.
    pub verdict: String,
}

/// Both sides are one outcome each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedPair {
    pub a: String,
    pub b: String,
    pub value_a: f64,
    pub value_b: f64,
    /// value_a − value_b.
    pub difference: f64,
    /// The two outcomes are bitwise the same.
    pub identical: bool,
    pub verdict: String,
}

impl PairReading {
    /// The sentence a user reads first.
    pub fn verdict(&self) -> &str {
        match self {
            PairReading::Difference(c) => &c.verdict,
            PairReading::SeedLuck(l) => &l.verdict,
            PairReading::FixedDifference(f) => &f.verdict,
        }
    }
}

/// Reads the pair `a`, `b`; "better" follows the metric (`higher_is_better`), and two spreads
/// answer `question` (which source moves the result more, or which setting is better).
pub fn read_pair(
    a: Side,
    b: Side,
    higher_is_better: bool,
    question: Question,
) -> Result<PairReading, String> {
    for side in [&a, &b] {
        if side.values.len() < 2 {
            return Err(format!(
                "{} has {} finished run{}; a reading needs at least 2 on each side (more runs, or let the sweep go on)",
                side.name,
                side.values.len(),
                if side.values.len() == 1 { "" } else { "s" }
            ));
        }
    }
    match (a.one_outcome(), b.one_outcome()) {
        (true, true) => Ok(PairReading::FixedDifference(fixed_pair(&a, &b))),
        (true, false) => luck_reading(&a, "a", &b, higher_is_better).map(PairReading::SeedLuck),
        (false, true) => luck_reading(&b, "b", &a, higher_is_better).map(PairReading::SeedLuck),
        (false, false) => compare(
            a.name,
            a.values,
            b.name,
            b.values,
            higher_is_better,
            question,
        )
        .map(PairReading::Difference),
    }
}

fn fixed_pair(a: &Side, b: &Side) -> FixedPair {
    let (value_a, value_b) = (a.values[0], b.values[0]);
    let identical = a.hashes[0] == b.hashes[0];
    let verdict = if identical {
        format!(
            "{} and {} produced bitwise identical results: no difference at all",
            a.name, b.name
        )
    } else {
        format!(
            "{} and {} are each one outcome repeated (bitwise identical runs): they differ by a \
             fixed {:+.4}, and with no spread on either side nothing can say whether that \
             outlives run-to-run noise; free a source on both sides to find out",
            a.name,
            b.name,
            value_a - value_b
        )
    };
    FixedPair {
        a: a.name.to_string(),
        b: b.name.to_string(),
        value_a,
        value_b,
        difference: value_a - value_b,
        identical,
        verdict,
    }
}

fn luck_reading(
    fixed: &Side,
    fixed_side: &str,
    free: &Side,
    higher_is_better: bool,
) -> Result<LuckReading, String> {
    let luck = seed_luck(fixed.values[0], free.values, higher_is_better).ok_or_else(|| {
        format!(
            "{} is one outcome; reading it needs at least 2 finished runs of {}, which has {}",
            fixed.name,
            free.name,
            free.values.len()
        )
    })?;
    let verdict = format!(
        "{} is one outcome repeated {} times, not a distribution: it is {} of {} \
         (better than {} of its runs [{}, {}])",
        fixed.name,
        fixed.hashes.len(),
        luck_word(luck.percentile),
        free.name,
        percent(luck.percentile),
        percent(luck.percentile_ci.0),
        percent(luck.percentile_ci.1),
    );
    Ok(LuckReading {
        fixed_condition: fixed.name.to_string(),
        fixed_side: fixed_side.to_string(),
        fixed_runs: fixed.hashes.len(),
        free_condition: free.name.to_string(),
        luck,
        verdict,
    })
}

/// "a lucky draw", "a typical draw", "an unlucky draw": quartiles of the free runs.
pub fn luck_word(percentile: f64) -> &'static str {
    if percentile >= 0.75 {
        "a lucky draw"
    } else if percentile <= 0.25 {
        "an unlucky draw"
    } else {
        "a typical draw"
    }
}

/// 0.724 → "72%".
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// 0.724 → "72nd percentile".
pub fn percentile_text(share: f64) -> String {
    format!("{} percentile", ordinal(share))
}

/// 0.724 → "72nd".
pub fn ordinal(share: f64) -> String {
    let p = (share * 100.0).round() as u32;
    let suffix = match (p % 10, p % 100) {
        (1, n) if n != 11 => "st",
        (2, n) if n != 12 => "nd",
        (3, n) if n != 13 => "rd",
        _ => "th",
    };
    format!("{p}{suffix}")
}

/// "1.1 points above", "0.0123 below", "exactly at": `gap` = value − reference.
pub fn gap_side(gap: f64, metric: &Metric) -> String {
    if gap == 0.0 {
        return "exactly at".into();
    }
    let side = if gap > 0.0 { "above" } else { "below" };
    format!("{} {side}", gap_text(gap, metric))
}

/// A gap in the metric's units, in words: accuracy in percentage points ("4.7 points"),
/// anything else as a plain difference.
pub fn gap_text(gap: f64, metric: &Metric) -> String {
    if metric.is_share_of_points() {
        format!("{:.1} points", gap.abs() * 100.0)
    } else {
        format!("{:.4}", gap.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side<'a>(name: &'a str, values: &'a [f64], hashes: &'a [&'a str]) -> Side<'a> {
        Side {
            name,
            values,
            hashes,
        }
    }

    #[test]
    fn one_outcome_against_a_spread_is_read_as_seed_luck() {
        let fixed = [0.95; 5];
        let fixed_hashes = ["h"; 5];
        let free = [0.90, 0.92, 0.94, 0.96, 0.98];
        let free_hashes = ["a", "b", "c", "d", "e"];
        let reading = read_pair(
            side("all-fixed", &fixed, &fixed_hashes),
            side("all-free", &free, &free_hashes),
            true,
            Question::Spread,
        )
        .unwrap();
        let PairReading::SeedLuck(luck) = reading else {
            panic!("expected seed luck, got {reading:?}");
        };
        assert_eq!(luck.fixed_side, "a");
        assert_eq!(luck.luck.percentile, 0.6); // better than 3 of 5
        assert!(luck.verdict.contains("one outcome repeated 5 times"));
        assert!(luck.verdict.contains("a typical draw"));
        // The same pair the other way round: the fixed side is b.
        let reading = read_pair(
            side("all-free", &free, &free_hashes),
            side("all-fixed", &fixed, &fixed_hashes),
            true,
            Question::Spread,
        )
        .unwrap();
        assert!(matches!(reading, PairReading::SeedLuck(ref l) if l.fixed_side == "b"));
        let json = serde_json::to_value(&reading).unwrap();
        assert_eq!(json["kind"], "seed_luck");
        assert_eq!(json["percentile"], 0.6);
    }

    #[test]
    fn two_single_outcomes_differ_by_a_fixed_amount_and_are_not_tested() {
        let (a, b) = ([0.9, 0.9], [0.8, 0.8]);
        let reading = read_pair(
            side("x", &a, &["h1", "h1"]),
            side("y", &b, &["h2", "h2"]),
            true,
            Question::Spread,
        )
        .unwrap();
        let PairReading::FixedDifference(pair) = reading else {
            panic!("{reading:?}");
        };
        assert!(!pair.identical);
        assert!((pair.difference - 0.1).abs() < 1e-12);
        assert!(pair.verdict.contains("no spread"));
        let same = read_pair(
            side("x", &a, &["h1", "h1"]),
            side("y", &a, &["h1", "h1"]),
            true,
            Question::Spread,
        )
        .unwrap();
        assert!(same.verdict().contains("bitwise identical"));
    }

    #[test]
    fn two_spreads_are_compared_as_before() {
        let a = [0.90, 0.92, 0.94];
        let b = [0.80, 0.82, 0.84];
        let reading = read_pair(
            side("a", &a, &["1", "2", "3"]),
            side("b", &b, &["4", "5", "6"]),
            true,
            Question::Spread,
        )
        .unwrap();
        let PairReading::Difference(c) = &reading else {
            panic!("{reading:?}");
        };
        assert_eq!(
            c,
            &compare("a", &a, "b", &b, true, Question::Spread).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&reading).unwrap()["kind"],
            "difference"
        );
    }

    #[test]
    fn words_for_percentiles_and_gaps() {
        assert_eq!(percentile_text(0.724), "72nd percentile");
        assert_eq!(percentile_text(0.11), "11th percentile");
        assert_eq!(percentile_text(0.01), "1st percentile");
        assert_eq!(percentile_text(0.23), "23rd percentile");
        assert_eq!(gap_text(-0.047, &Metric::Accuracy), "4.7 points");
        assert_eq!(gap_text(0.0123, &Metric::Mse), "0.0123");
    }
}
