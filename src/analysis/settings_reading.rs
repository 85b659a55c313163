//! Is a setting better, or was that seed luck? The reading of a settings study for one
//! condition: each setting's mean and interquartile mean, the test across all settings
//! (Friedman when their runs pair up by seeds, else Kruskal–Wallis), and each pair of settings
//! with the comparison that fits — paired (Wilcoxon signed-rank, the paired t interval, d_z,
//! matched-pairs rank-biserial, P(A>B) over pairs) when run r of both drew the same seeds,
//! unpaired (Mann–Whitney, Welch, d, rank-biserial) otherwise — Holm-corrected across pairs,
//! and a verdict that cannot say more than the runs do.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compare::{probability_a_beats_b, welch};
use super::effect::{
    cohen_d, cohen_dz, interquartile_mean_ci, paired_probability_a_beats_b, rank_biserial,
    rank_biserial_paired, size_in_words,
};
use super::paired::pair_by_seeds;
use super::rank_tests::{TestResult, friedman, holm, kruskal_wallis, mann_whitney, wilcoxon};
use super::sample::{mean, mean_ci95, std_dev};

/// One setting's finished runs of the condition read: (run index, seeds, final metric).
pub struct SettingRuns<'a> {
    pub label: String,
    pub runs: Vec<(usize, &'a BTreeMap<String, u64>, f64)>,
}

/// A setting's own numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingSummary {
    pub label: String,
    pub runs: usize,
    pub mean: f64,
    pub mean_ci: Option<(f64, f64)>,
    /// The interquartile mean (rliable) and its bootstrap 95% interval.
    pub iqm: f64,
    pub iqm_ci: Option<(f64, f64)>,
}

/// Two settings compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairReading {
    pub a: String,
    pub b: String,
    /// Whether runs were paired by their seeds (common random numbers).
    pub paired: bool,
    /// Pairs (paired) or the smaller side's runs (unpaired).
    pub n: usize,
    /// mean(A) − mean(B) (paired: the mean of the differences) and its 95% interval.
    pub mean_diff: f64,
    pub ci: (f64, f64),
    /// The rank test (Wilcoxon signed-rank, or Mann–Whitney) and its p, Holm-corrected over
    /// every pair of the study.
    pub test: String,
    pub p: f64,
    pub p_holm: f64,
    /// P(A better than B): over pairs, or over all pairings; with its bootstrap interval when
    /// paired.
    pub p_a_better: f64,
    pub p_a_better_ci: Option<(f64, f64)>,
    /// Cohen's d (d_z when paired) and the rank-biserial correlation, both signed A − B.
    pub cohen_d: Option<f64>,
    pub rank_biserial: Option<f64>,
    pub effect: String,
    /// Paired runs where A came out better, worse, and level (by the metric's direction).
    pub a_wins: usize,
    pub b_wins: usize,
    pub ties: usize,
    /// The unpaired interval's width over the paired one's, on the same runs.
    pub narrower: Option<f64>,
    /// Runs per setting that would detect the observed difference (80% power, α = 0.05).
    pub runs_needed: Option<usize>,
    pub verdict: String,
    /// Where both settings scored their runs on the same test points (data and split fixed,
    /// the same data settings): how far another test set of that size could move the
    /// difference. Filled by the study's file, which holds the runs' per-point errors.
    #[serde(default)]
    pub test_set_noise: Option<super::test_noise::DifferenceNoise>,
}

/// The reading of one condition across the study's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudyReading {
    pub condition: String,
    pub settings: Vec<SettingSummary>,
    /// Friedman (paired) or Kruskal–Wallis, with three settings or more.
    pub overall: Option<(String, f64, f64)>,
    pub pairs: Vec<PairReading>,
}

/// z for a two-sided 5% test and for 80% power.
const Z_ALPHA: f64 = 1.959_963_984_540_054;
const Z_POWER: f64 = 0.841_621_233_572_914_3;

/// The reading of `settings` under `condition`; `None` when fewer than two settings have two
/// finished runs. `scale` shows a difference ("pp" for a share, else the metric's own units).
pub fn read_study(
    condition: &str,
    settings: &[SettingRuns],
    higher_is_better: bool,
    share: bool,
) -> Option<StudyReading> {
    let usable: Vec<&SettingRuns> = settings.iter().filter(|s| s.runs.len() >= 2).collect();
    if usable.len() < 2 {
        return None;
    }
    let values = |s: &SettingRuns| s.runs.iter().map(|r| r.2).collect::<Vec<f64>>();
    let summaries = usable
        .iter()
        .map(|s| {
            let v = values(s);
            let (iqm, iqm_ci) = match interquartile_mean_ci(&v) {
                Some((iqm, ci)) => (iqm, Some(ci)),
                None => (mean(&v).unwrap_or(f64::NAN), None),
            };
            SettingSummary {
                label: s.label.clone(),
                runs: v.len(),
                mean: mean(&v).unwrap_or(f64::NAN),
                mean_ci: mean_ci95(&v),
                iqm,
                iqm_ci,
            }
        })
        .collect();
    let mut pairs = Vec::new();
    for i in 0..usable.len() {
        for j in i + 1..usable.len() {
            pairs.push(read_pair(usable[i], usable[j], higher_is_better));
        }
    }
    let corrected = holm(&pairs.iter().map(|p| p.p).collect::<Vec<_>>());
    for (pair, p_holm) in pairs.iter_mut().zip(corrected) {
        pair.p_holm = p_holm;
        pair.verdict = verdict(pair, higher_is_better, share);
    }
    let overall = (usable.len() >= 3).then(|| overall_test(&usable)).flatten();
    Some(StudyReading {
        condition: condition.to_string(),
        settings: summaries,
        overall,
        pairs,
    })
}

/// Friedman over the run indices every setting has with the same seeds; else Kruskal–Wallis.
fn overall_test(settings: &[&SettingRuns]) -> Option<(String, f64, f64)> {
    let first = settings[0];
    let common: Vec<usize> = first
        .runs
        .iter()
        .filter(|(index, seeds, _)| {
            settings[1..].iter().all(|s| {
                s.runs
                    .iter()
                    .any(|(i, other, _)| i == index && other == seeds)
            })
        })
        .map(|r| r.0)
        .collect();
    let value_at = |s: &SettingRuns, index: usize| {
        s.runs
            .iter()
            .find(|r| r.0 == index)
            .map(|r| r.2)
            .unwrap_or(f64::NAN)
    };
    let all_paired = common.len() >= 2 && settings.iter().all(|s| s.runs.len() == common.len());
    let named = |name: &str, r: TestResult| (name.to_string(), r.statistic, r.p);
    if all_paired {
        let table: Vec<Vec<f64>> = settings
            .iter()
            .map(|s| common.iter().map(|&i| value_at(s, i)).collect())
            .collect();
        friedman(&table).map(|r| named("Friedman", r))
    } else {
        let table: Vec<Vec<f64>> = settings
            .iter()
            .map(|s| s.runs.iter().map(|r| r.2).collect())
            .collect();
        kruskal_wallis(&table).map(|r| named("Kruskal-Wallis", r))
    }
}

fn read_pair(a: &SettingRuns, b: &SettingRuns, higher_is_better: bool) -> PairReading {
    let (va, vb): (Vec<f64>, Vec<f64>) = (
        a.runs.iter().map(|r| r.2).collect(),
        b.runs.iter().map(|r| r.2).collect(),
    );
    let welch_ci = welch(&va, &vb).map(|(_, _, _, low, high)| (low, high));
    let matched = pair_by_seeds(
        a.runs.iter().map(|(i, s, v)| (*i, *s, *v)),
        b.runs.iter().map(|(i, s, v)| (*i, *s, *v)),
    );
    // Paired only when every run found its partner: a half-paired reading would mix designs.
    let paired = matched.filter(|(left, _)| left.len() == va.len() && left.len() == vb.len());
    let better = |d: f64| if higher_is_better { d > 0.0 } else { d < 0.0 };
    let mut reading = match paired {
        Some((left, right)) => {
            let differences: Vec<f64> = left.iter().zip(&right).map(|(x, y)| x - y).collect();
            let ci = mean_ci95(&differences).unwrap_or((f64::NAN, f64::NAN));
            let test = wilcoxon(&left, &right);
            let d = cohen_dz(&left, &right);
            let probability = paired_probability_a_beats_b(&left, &right);
            let sd = std_dev(&differences).unwrap_or(0.0);
            let mean_diff = mean(&differences).unwrap_or(0.0);
            PairReading {
                a: a.label.clone(),
                b: b.label.clone(),
                paired: true,
                n: left.len(),
                mean_diff,
                ci,
                test: "Wilcoxon signed-rank".into(),
                p: test.map_or(1.0, |t| t.p),
                p_holm: 1.0,
                p_a_better: probability.map_or(f64::NAN, |p| p.0),
                p_a_better_ci: probability.map(|p| p.1),
                cohen_d: d,
                rank_biserial: rank_biserial_paired(&left, &right),
                effect: String::new(),
                a_wins: differences.iter().filter(|d| better(**d)).count(),
                b_wins: differences.iter().filter(|d| better(-**d)).count(),
                ties: differences.iter().filter(|d| **d == 0.0).count(),
                narrower: welch_ci
                    .filter(|_| ci.1 > ci.0)
                    .map(|(low, high)| (high - low) / (ci.1 - ci.0)),
                runs_needed: runs_needed(sd, mean_diff),
                verdict: String::new(),
                test_set_noise: None,
            }
        }
        None => {
            let test = mann_whitney(&va, &vb);
            let mean_diff = mean(&va).unwrap_or(0.0) - mean(&vb).unwrap_or(0.0);
            // The spread of one run of A minus one of B: n runs a side detect a difference
            // where a paired design's n pairs would with this as the pairs' spread.
            let unpaired_sd =
                (std_dev(&va).unwrap_or(0.0).powi(2) + std_dev(&vb).unwrap_or(0.0).powi(2)).sqrt();
            let p = probability_a_beats_b(&va, &vb);
            PairReading {
                a: a.label.clone(),
                b: b.label.clone(),
                paired: false,
                n: va.len().min(vb.len()),
                mean_diff,
                ci: welch_ci.unwrap_or((f64::NAN, f64::NAN)),
                test: "Mann-Whitney U".into(),
                p: test.map_or(1.0, |t| t.p),
                p_holm: 1.0,
                p_a_better: if higher_is_better { p } else { 1.0 - p },
                p_a_better_ci: None,
                cohen_d: cohen_d(&va, &vb),
                rank_biserial: Some(rank_biserial(&va, &vb)),
                effect: String::new(),
                a_wins: 0,
                b_wins: 0,
                ties: 0,
                narrower: None,
                runs_needed: runs_needed(unpaired_sd, mean_diff),
                verdict: String::new(),
                test_set_noise: None,
            }
        }
    };
    if reading.paired && !higher_is_better {
        reading.p_a_better = 1.0 - reading.p_a_better;
        reading.p_a_better_ci = reading.p_a_better_ci.map(|(l, h)| (1.0 - h, 1.0 - l));
    }
    reading.effect = match reading.cohen_d {
        Some(d) => size_in_words(d).to_string(),
        None => "none".to_string(),
    };
    reading
}

/// Runs per setting for a difference of `difference` to be detected with a paired spread
/// (or the per-side spread) `sd`: ((z_α/2 + z_β) · sd / difference)².
fn runs_needed(sd: f64, difference: f64) -> Option<usize> {
    if difference == 0.0 || !sd.is_finite() {
        return None;
    }
    Some(
        ((Z_ALPHA + Z_POWER) * sd / difference.abs())
            .powi(2)
            .ceil()
            .max(2.0) as usize,
    )
}

/// A difference as it is read: percentage points for a share (accuracy), else the value.
fn amount(value: f64, share: bool, signed: bool) -> String {
    match (share, signed) {
        (true, true) => format!("{:+.1} pp", value * 100.0),
        (true, false) => format!("{:.1} pp", value * 100.0),
        (false, true) => format!("{value:+.4}"),
        (false, false) => format!("{value:.4}"),
    }
}

fn verdict(pair: &PairReading, higher_is_better: bool, share: bool) -> String {
    let a_ahead = (pair.mean_diff > 0.0) == higher_is_better;
    let (winner, loser) = if a_ahead {
        (&pair.a, &pair.b)
    } else {
        (&pair.b, &pair.a)
    };
    let interval = format!(
        "mean {} [{}, {}]",
        amount(pair.mean_diff, share, true),
        amount(pair.ci.0, share, true),
        amount(pair.ci.1, share, true)
    );
    let decided = pair.p_holm < 0.05 && (pair.ci.0 > 0.0 || pair.ci.1 < 0.0);
    if decided {
        let record = if pair.paired {
            let wins = if a_ahead { pair.a_wins } else { pair.b_wins };
            format!("{winner} beats {loser} in {wins} of {} paired runs", pair.n)
        } else {
            format!("{winner} beats {loser} (unpaired runs)")
        };
        format!(
            "{record}; {interval} ({}); {} effect; not explained by seed luck",
            pair_p(pair),
            pair.effect
        )
    } else {
        let more = match pair.runs_needed {
            Some(needed) if needed > pair.n => format!(
                ": {needed} runs per setting would decide a {} difference",
                amount(pair.mean_diff.abs(), share, false)
            ),
            Some(_) | None => String::new(),
        };
        format!(
            "{} vs {}: within seed luck; {interval} ({}){more}",
            pair.a,
            pair.b,
            pair_p(pair)
        )
    }
}

fn pair_p(pair: &PairReading) -> String {
    format!(
        "{} p = {}, Holm-corrected {}",
        pair.test,
        p_text(pair.p),
        p_text(pair.p_holm)
    )
}

/// A p value: three decimals, or two significant digits below 0.001.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}
