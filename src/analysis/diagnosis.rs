//! The answer to "I fixed the seed and it still differs" (docs/your-command.md), read from a command's runs
//! themselves: which randomness the command draws that seedscope does not control, which of
//! the seeds it was given it ignores, and which source probably follows another's seed.
//!
//! An outcome is what a run reported: its value and its weights hash (or, when the command
//! reports no weights hash, a hash of its value, predictions and per-point errors). Two runs
//! with one outcome could not be told apart by anything they reported.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::engine::record::RunRecord;
use crate::engine::seeds::{Condition, Source};

/// One finding, in words and as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// With every seed fixed, the runs still differ.
    UncontrolledRandomness {
        condition: Condition,
        runs: usize,
        outcomes: usize,
        /// The results agree and only the weights' bits differ.
        bits_only: bool,
        /// Conditions freeing threads or gpu whose runs differ too (a likely explanation).
        explained_by: Vec<Source>,
    },
    /// A source's only-X runs are all one outcome: the command does not use its seed.
    IgnoresSeed {
        source: Source,
        runs: usize,
        /// Another source whose only-Y runs do move: the ignored one probably follows its
        /// seed (scikit-learn's `random_state` drives init and shuffle together).
        follows: Option<Source>,
    },
    /// A script given one seed for everything (`{seed}`) gave one outcome under only-seed:
    /// it ignores the seed, or draws no randomness at all — which, seedscope cannot tell from
    /// outside.
    IgnoresOneSeed { runs: usize },
}

impl Finding {
    /// The finding in words, for the table and the app.
    pub fn text(&self) -> String {
        match self {
            Finding::UncontrolledRandomness {
                condition,
                runs,
                outcomes,
                bits_only,
                explained_by,
            } => {
                let mut text = format!(
                    "with every seed fixed ({condition}), {outcomes} distinct outcomes in {runs} runs: something in the command draws randomness that seedscope does not control"
                );
                if *bits_only {
                    text.push_str(
                        "; the results agree and only the weights' bits differ, as float sums in another order (threads, GPU atomics) make them",
                    );
                } else {
                    text.push_str(
                        " (a generator not seeded from SEEDSCOPE_SEED_*: the global random, numpy or torch state, the clock, os.urandom)",
                    );
                }
                if !explained_by.is_empty() {
                    let names: Vec<String> =
                        explained_by.iter().map(|s| format!("only-{s}")).collect();
                    text.push_str(&format!(
                        "; {} differ too, so the {} setting may be what is not honoured",
                        names.join(" and "),
                        explained_by
                            .iter()
                            .map(|s| s.name())
                            .collect::<Vec<_>>()
                            .join("/")
                    ));
                }
                text
            }
            Finding::IgnoresSeed {
                source,
                runs,
                follows,
            } => {
                let variable = crate::engine::command::env::seed_variable(*source);
                let mut text = format!(
                    "only-{source}: {runs} runs, one outcome: the command ignores {variable}"
                );
                if let Some(other) = follows {
                    text.push_str(&format!(
                        "; only-{other} moves, so {source} probably follows the {other} seed (as scikit-learn's random_state drives init and shuffle together)"
                    ));
                }
                text
            }
            Finding::IgnoresOneSeed { runs } => format!(
                "only-seed: {runs} runs, one outcome: the command ignores the seed it is given ({{seed}}), or draws no randomness at all; seedscope cannot tell these apart from outside (a hard-coded seed looks the same as none)"
            ),
        }
    }
}

/// The distinct outcomes among a condition's finished runs, and how many runs finished.
fn outcomes(runs: &[&RunRecord]) -> (usize, usize, usize) {
    let finished: Vec<&&RunRecord> = runs
        .iter()
        .filter(|r| r.error.is_none() && r.final_test_metric.is_some())
        .collect();
    let outcome: HashSet<(u64, &str)> = finished
        .iter()
        .map(|r| {
            (
                r.final_test_metric.unwrap_or(f64::NAN).to_bits(),
                r.weights_hash.as_str(),
            )
        })
        .collect();
    let values: HashSet<u64> = finished
        .iter()
        .filter_map(|r| r.final_test_metric.map(f64::to_bits))
        .collect();
    // Equal final results can be a coincidence (a few dozen test points give few possible
    // accuracies): runs whose training losses part by more than float rounding trained
    // differently, and count as differing results, not as bits alone.
    let losses_agree = finished
        .windows(2)
        .all(|pair| losses_close(&pair[0].train_loss, &pair[1].train_loss));
    let values = if losses_agree {
        values.len()
    } else {
        values.len().max(2)
    };
    (finished.len(), outcome.len(), values)
}

/// Two training-loss curves equal but for float rounding (the order of a sum): within a
/// relative 1e-4 at every epoch. Another shuffle or initialisation parts them by far more.
fn losses_close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x == y || (x - y).abs() <= 1e-4 * x.abs().max(y.abs()) || (x.is_nan() && y.is_nan())
        })
}

/// The findings for a command's runs. Conditions with fewer than two finished runs say
/// nothing.
pub fn diagnose(conditions: &[Condition], runs: &[RunRecord]) -> Vec<Finding> {
    let mut by_condition: BTreeMap<usize, Vec<&RunRecord>> = BTreeMap::new();
    for run in runs {
        if let Some(position) = conditions.iter().position(|c| *c == run.condition) {
            by_condition.entry(position).or_default().push(run);
        }
    }
    let of = |condition: Condition| -> Option<(usize, usize, usize)> {
        let position = conditions.iter().position(|c| *c == condition)?;
        let counts = outcomes(by_condition.get(&position)?);
        (counts.0 >= 2).then_some(counts)
    };
    let mut findings = Vec::new();
    let all_fixed = of(Condition::ALL_FIXED);
    if let Some((finished, distinct, values)) = all_fixed
        && distinct > 1
    {
        // Only bit-level differences point at summation order (threads, GPU atomics); results
        // that differ outright come from a generator, and then every condition differs.
        let explained_by = if values == 1 {
            [Source::Threads, Source::Gpu]
                .into_iter()
                .filter(|s| of(Condition::only(*s)).is_some_and(|(_, d, _)| d > 1))
                .collect()
        } else {
            Vec::new()
        };
        findings.push(Finding::UncontrolledRandomness {
            condition: Condition::ALL_FIXED,
            runs: finished,
            outcomes: distinct,
            bits_only: values == 1,
            explained_by,
        });
    }
    // With the fixed runs already differing, a flat only-X says nothing about X.
    if all_fixed.is_some_and(|(_, distinct, _)| distinct > 1) {
        return findings;
    }
    let moving: Vec<Source> = [Source::Init, Source::Data, Source::Split]
        .into_iter()
        .filter(|s| of(Condition::only(*s)).is_some_and(|(_, d, _)| d > 1))
        .collect();
    // Threads and gpu are not seeds: a result that does not move with them is the aim.
    for source in [
        Source::Data,
        Source::Split,
        Source::Init,
        Source::Dropout,
        Source::Shuffle,
    ] {
        let Some((finished, distinct, _)) = of(Condition::only(source)) else {
            continue;
        };
        if distinct != 1 {
            continue;
        }
        let follows = match source {
            Source::Shuffle | Source::Dropout => {
                moving.iter().copied().find(|s| *s == Source::Init)
            }
            _ => None,
        };
        findings.push(Finding::IgnoresSeed {
            source,
            runs: finished,
            follows,
        });
    }
    if let Some((finished, 1, _)) = of(Condition::ONLY_SEED) {
        findings.push(Finding::IgnoresOneSeed { runs: finished });
    }
    findings
}

/// Whether the good news may be said — "every fixed source gave one outcome, and every freed
/// seed moved the result" — which needs evidence for each half: all-fixed with two finished
/// runs and one outcome, and every condition that frees a seed with two finished runs and more
/// than one outcome. Fewer runs, or a freed seed that did not move, and it is not said.
pub fn all_clear(conditions: &[Condition], runs: &[RunRecord]) -> bool {
    if !diagnose(conditions, runs).is_empty() || !conditions.contains(&Condition::ALL_FIXED) {
        return false;
    }
    let counts = |condition: Condition| {
        let of: Vec<&RunRecord> = runs.iter().filter(|r| r.condition == condition).collect();
        outcomes(&of)
    };
    let (finished, distinct, _) = counts(Condition::ALL_FIXED);
    if finished < 2 || distinct != 1 {
        return false;
    }
    let seeds = [
        Source::Data,
        Source::Split,
        Source::Init,
        Source::Dropout,
        Source::Shuffle,
    ];
    let mut freed = 0;
    for &condition in conditions {
        if !seeds.iter().any(|s| condition.is_free(*s)) {
            continue;
        }
        let (finished, distinct, _) = counts(condition);
        if finished < 2 || distinct < 2 {
            return false;
        }
        freed += 1;
    }
    freed > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finished run of `condition` with outcome `value` (its hash follows the value).
    fn run(condition: &str, index: usize, value: f64) -> RunRecord {
        RunRecord {
            error: None,
            final_test_metric: Some(value),
            weights_hash: format!("result-{value}"),
            ..RunRecord::failed(condition.parse().unwrap(), index, String::new())
        }
    }

    fn conditions(names: &[&str]) -> Vec<Condition> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_good_news_waits_for_two_runs_of_every_condition_it_speaks_of() {
        let list = conditions(&["all-fixed", "only-init", "all-free"]);
        // One run each (2 of 24 in the app): nothing is said yet.
        let early = vec![run("all-fixed", 0, 0.5), run("only-init", 0, 0.6)];
        assert!(!all_clear(&list, &early));
        let mut enough = early;
        enough.extend([
            run("all-fixed", 1, 0.5),
            run("only-init", 1, 0.7),
            run("all-free", 0, 0.4),
        ]);
        assert!(!all_clear(&list, &enough), "all-free has one run");
        enough.push(run("all-free", 1, 0.8));
        assert!(all_clear(&list, &enough));
    }

    #[test]
    fn equal_accuracies_by_coincidence_are_not_called_bits_alone() {
        let list = conditions(&["all-fixed"]);
        let with_loss = |index: usize, hash: &str, loss: f64| RunRecord {
            weights_hash: hash.into(),
            train_loss: vec![0.7, loss],
            ..run("all-fixed", index, 0.5)
        };
        let bits_only = |runs: &[RunRecord]| match &diagnose(&list, runs)[..] {
            [Finding::UncontrolledRandomness { bits_only, .. }] => *bits_only,
            other => panic!("{other:?}"),
        };
        // Another shuffle: the same accuracy on 72 points, a training loss far apart.
        assert!(!bits_only(&[
            with_loss(0, "a", 0.41),
            with_loss(1, "b", 0.37)
        ]));
        // A sum in another order: the losses part in their last digits.
        assert!(bits_only(&[
            with_loss(0, "a", 0.41),
            with_loss(1, "b", 0.41 * (1.0 + 1e-7))
        ]));
    }

    #[test]
    fn a_freed_seed_that_did_not_move_is_no_good_news() {
        let list = conditions(&["all-fixed", "all-free"]);
        let constant: Vec<RunRecord> = (0..3)
            .flat_map(|i| [run("all-fixed", i, 0.5), run("all-free", i, 0.5)])
            .collect();
        assert!(diagnose(&list, &constant).is_empty());
        assert!(!all_clear(&list, &constant));
    }
}
