//! Merging the parts of a sharded sweep (`run --shard I/N`) into one results file that is
//! interchangeable with the file a single machine would have written.
//!
//! The parts must be of one experiment: same settings, same master seed, same engine. A run
//! that turns up in two parts is kept once if both copies have the same weights hash; two
//! copies that differ are a conflict — except racing-threads and library-RNG runs, which are
//! recorded samples of a race and legitimately differ, so the first copy is kept and said so.

use std::collections::{HashMap, HashSet};

use crate::engine::record::{RunId, RunRecord};
use crate::engine::shard::Shard;
use crate::engine::sweep::{sort_into_sweep_order, sweep_pairs};
use crate::records::ResultsFile;

/// A part as read from disk, with the name it is reported by (its path).
pub struct Part {
    pub name: String,
    pub file: ResultsFile,
}

/// A pair of the sweep that no part delivered, and the part that owed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingRun {
    pub run: RunId,
    /// The shard (of the first part's count) that trains this pair: the one to run again.
    pub owner: usize,
}

/// The merged results and what the merge noticed on the way.
pub struct Merged {
    /// The whole sweep as one results file (no `shard` field; `cancelled` if runs are missing).
    pub results: ResultsFile,
    /// Runs delivered by more than one part with equal weight hashes, dropped.
    pub exact_duplicates: usize,
    /// Racing or library-RNG runs delivered twice with different results; the first kept.
    pub racing_kept_once: Vec<RunId>,
    /// Pairs of the sweep that no part delivered.
    pub missing: Vec<MissingRun>,
    /// The shard count of the first part, used to name the owners of missing runs.
    pub shard_count: usize,
    /// The engine fingerprint every part was trained by.
    pub engine: String,
}

/// Why parts cannot be merged: each names the parts, the run or the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no parts given")]
    NoParts,
    #[error(
        "{part}: not a shard part (it has no `shard` field); merge combines files written by \
         `seedscope run --shard I/N`"
    )]
    NotAPart { part: String },
    /// Different master seeds, settings (the first differing field) or engines.
    #[error("{0}")]
    DifferentExperiments(String),
    #[error("{part}: run {run} is not one this part was to train; the file has been altered")]
    NotOwed { part: String, run: RunId },
    /// A run whose condition or index the experiment does not have (an edited part).
    #[error(
        "{part}: run {run} is not in the sweep ({conditions} conditions × {repeats} runs); the \
         file has been altered"
    )]
    NotInSweep {
        part: String,
        run: RunId,
        conditions: usize,
        repeats: usize,
    },
    /// The part's list of runs owed is not the list its shard number gives.
    #[error(
        "{part}: its `shard.pairs` is not the list of part {index}/{count} of this sweep; the \
         file has been altered"
    )]
    AlteredPart {
        part: String,
        index: usize,
        count: usize,
    },
    /// Two different copies of a replayable run.
    #[error("{0}")]
    Conflict(String),
}

/// Merges `parts`; an `Err` names the parts and the field that make them unmergeable.
pub fn merge_parts(parts: Vec<Part>) -> Result<Merged, MergeError> {
    let first = parts.first().ok_or(MergeError::NoParts)?;
    let first_shard = first
        .file
        .shard
        .as_ref()
        .ok_or_else(|| not_a_part(&first.name))?;
    let shard_count = first_shard.count;
    for part in &parts[1..] {
        check_same_experiment(first, part)?;
    }
    let config = first.file.config.clone();
    let wanted = sweep_pairs(&config);
    let in_sweep: HashSet<RunId> = wanted.iter().copied().collect();
    let mut kept: HashMap<RunId, (RunRecord, &str)> = HashMap::new();
    let mut exact_duplicates = 0;
    let mut racing_kept_once = Vec::new();
    for part in &parts {
        let shard = part.file.shard.as_ref().expect("checked above");
        // What the part owed follows from its shard number and the sweep; the list it
        // carries must say the same (an edited file may carry a list that fits its runs).
        let altered = || MergeError::AlteredPart {
            part: part.name.clone(),
            index: shard.index,
            count: shard.count,
        };
        let expected = Shard::new(shard.index, shard.count)
            .map_err(|_| altered())?
            .pairs(&config);
        if expected != shard.pairs {
            return Err(altered());
        }
        let owed: HashSet<RunId> = expected.iter().copied().collect();
        for run in &part.file.runs {
            let pair = run.id();
            if !in_sweep.contains(&pair) {
                return Err(MergeError::NotInSweep {
                    part: part.name.clone(),
                    run: pair,
                    conditions: config.conditions.len(),
                    repeats: config.repeats,
                });
            }
            if !owed.contains(&pair) {
                return Err(MergeError::NotOwed {
                    part: part.name.clone(),
                    run: run.id(),
                });
            }
            match kept.get_mut(&pair) {
                None => {
                    kept.insert(pair, (run.clone(), &part.name));
                }
                // A failed copy (a worker panic) gives way to one that trained.
                Some((earlier, _)) if earlier.error.is_some() && run.error.is_none() => {
                    *earlier = run.clone();
                }
                Some((earlier, _)) if earlier.weights_hash == run.weights_hash => {
                    exact_duplicates += 1;
                }
                Some((earlier, _)) if !earlier.replayable || !run.replayable => {
                    racing_kept_once.push(run.id());
                }
                Some((earlier, earlier_part)) => {
                    return Err(MergeError::Conflict(format!(
                        "run {} conflicts: {} has weights hash {}…, {} has {}…; a replayable run \
                         must be bitwise identical wherever it trains",
                        run.id(),
                        earlier_part,
                        &earlier.weights_hash[..12.min(earlier.weights_hash.len())],
                        part.name,
                        &run.weights_hash[..12.min(run.weights_hash.len())]
                    )));
                }
            }
        }
    }
    let missing: Vec<MissingRun> = wanted
        .iter()
        .filter(|pair| !kept.contains_key(*pair))
        .map(|pair| MissingRun {
            run: *pair,
            owner: Shard::owner_of(&config, shard_count, pair).unwrap_or(0),
        })
        .collect();
    let mut runs: Vec<RunRecord> = kept.into_values().map(|(run, _)| run).collect();
    sort_into_sweep_order(&config.conditions, &mut runs);
    let results = ResultsFile::new(
        config,
        first.file.master_seed,
        &first.file.seed_origin,
        runs,
        !missing.is_empty(),
    );
    Ok(Merged {
        results,
        exact_duplicates,
        racing_kept_once,
        missing,
        shard_count,
        engine: first_shard.engine.clone(),
    })
}

fn not_a_part(name: &str) -> MergeError {
    MergeError::NotAPart {
        part: name.to_string(),
    }
}

/// Parts of one experiment: same settings (field by field), master seed and engine.
fn check_same_experiment(first: &Part, other: &Part) -> Result<(), MergeError> {
    let (a, b) = (&first.file, &other.file);
    let other_shard = b.shard.as_ref().ok_or_else(|| not_a_part(&other.name))?;
    let first_shard = a.shard.as_ref().expect("checked by the caller");
    if a.master_seed != b.master_seed {
        return Err(MergeError::DifferentExperiments(format!(
            "parts of different experiments: master seed {} in {}, {} in {}",
            a.master_seed, first.name, b.master_seed, other.name
        )));
    }
    if let Some(field) = first_difference(
        &serde_json::to_value(&a.config).expect("configs serialise"),
        &serde_json::to_value(&b.config).expect("configs serialise"),
        "config",
    ) {
        return Err(MergeError::DifferentExperiments(format!(
            "parts of different experiments: {field} differs between {} and {}",
            first.name, other.name
        )));
    }
    if first_shard.engine != other_shard.engine {
        return Err(MergeError::DifferentExperiments(format!(
            "parts trained by different engines: {} in {}, {} in {}; results of different \
             engines need not be bitwise equal, so they are not merged",
            first_shard.engine, first.name, other_shard.engine, other.name
        )));
    }
    Ok(())
}

/// The path of the first field where two JSON values differ, with both values, e.g.
/// "config.learning_rate (0.05 vs 0.1)".
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|key| {
                let null = Value::Null;
                first_difference(
                    x.get(key).unwrap_or(&null),
                    y.get(key).unwrap_or(&null),
                    &format!("{path}.{key}"),
                )
            })
        }
        _ if a == b => None,
        _ => Some(format!("{path} ({a} vs {b})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_difference_names_the_nested_field_and_both_values() {
        let a = json!({"lr": 0.05, "model": {"hidden": [8, 8], "act": "relu"}});
        let b = json!({"lr": 0.05, "model": {"hidden": [8, 16], "act": "relu"}});
        assert_eq!(
            first_difference(&a, &b, "config").as_deref(),
            Some("config.model.hidden ([8,8] vs [8,16])")
        );
        assert_eq!(first_difference(&a, &a, "config"), None);
    }
}
