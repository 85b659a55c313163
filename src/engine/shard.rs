//! Shards: one sweep split into N independent parts for a cluster's batch scheduler.
//!
//! Every run is a pure function of (config, master seed, condition, run index), and a batched
//! run is bitwise the run trained alone, so a part needs nothing from any other part: it
//! trains its own pairs and a later `merge` puts the parts back together.
//!
//! The partition is interleaved: pair k of the sweep (in sweep order: condition by
//! condition, run index by run index) belongs to part k mod N. Each part so gets a share of
//! every condition — cheap batched ones and expensive racing-threads ones alike — and parts
//! differ in size by at most one run.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::config::ExperimentConfig;
use crate::engine::record::RunId;
use crate::engine::sweep::sweep_pairs;

/// Part `index` (0-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A part that does not exist, or text that names none.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("shard count {count} is out of range; allowed: 1 to {MAX_SHARDS}")]
    Count { count: usize },
    #[error("shard index {index} is out of range for {count} shards; allowed: 0 to {}", count - 1)]
    Index { index: usize, count: usize },
    #[error("`{text}` is not of the form I/N (e.g. 0/4)")]
    Form { text: String },
    #[error("`{text}`: {what} `{part}` is not a whole number")]
    NotANumber {
        text: String,
        what: &'static str,
        part: String,
    },
}

/// The largest part count accepted: far beyond any useful split of a sweep, small enough
/// that a typo (an extra digit) is caught.
pub const MAX_SHARDS: usize = 100_000;

impl Shard {
    /// Checks `index < count` and `1 <= count <= MAX_SHARDS`; the error names the values and
    /// the allowed range.
    pub fn new(index: usize, count: usize) -> Result<Shard, ShardError> {
        if count == 0 || count > MAX_SHARDS {
            return Err(ShardError::Count { count });
        }
        if index >= count {
            return Err(ShardError::Index { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Parses "I/N", e.g. "3/16".
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let shown = crate::engine::files::quote(text);
        let (index, count) = text.split_once('/').ok_or_else(|| ShardError::Form {
            text: shown.clone(),
        })?;
        let number = |part: &str, what: &'static str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| ShardError::NotANumber {
                    text: shown.clone(),
                    what,
                    part: crate::engine::files::quote(part),
                })
        };
        Shard::new(number(index, "index")?, number(count, "count")?)
    }

    /// Whether pair `position` of the sweep (0-based, in sweep order) belongs to this part.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count == self.index
    }

    /// This part's (condition, run index) pairs, in sweep order.
    pub fn pairs(&self, config: &ExperimentConfig) -> Vec<RunId> {
        sweep_pairs(config)
            .into_iter()
            .enumerate()
            .filter(|(position, _)| self.owns(*position))
            .map(|(_, pair)| pair)
            .collect()
    }

    /// The pairs of the sweep this part does not train (for `SweepSpec::skip`).
    pub fn others(&self, config: &ExperimentConfig) -> HashSet<RunId> {
        sweep_pairs(config)
            .into_iter()
            .enumerate()
            .filter(|(position, _)| !self.owns(*position))
            .map(|(_, pair)| pair)
            .collect()
    }

    /// Which part of `count` trains `pair` of `config`'s sweep (None if the pair is not in it).
    pub fn owner_of(config: &ExperimentConfig, count: usize, pair: &RunId) -> Option<usize> {
        sweep_pairs(config)
            .iter()
            .position(|p| p == pair)
            .map(|position| position % count.max(1))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets;

    #[test]
    fn parse_accepts_i_of_n_and_names_bad_values() {
        assert_eq!(
            Shard::parse("3/16"),
            Ok(Shard {
                index: 3,
                count: 16
            })
        );
        assert_eq!(Shard::parse(" 0 / 1 "), Ok(Shard { index: 0, count: 1 }));
        let five_of_four = Shard::parse("5/4").unwrap_err().to_string();
        assert!(
            five_of_four.contains("5") && five_of_four.contains("0 to 3"),
            "{five_of_four}"
        );
        assert_eq!(Shard::parse("0/0"), Err(ShardError::Count { count: 0 }));
        let zero = Shard::parse("0/0").unwrap_err().to_string();
        assert!(zero.contains("count 0") && zero.contains("1 to"), "{zero}");
        let word = Shard::parse("two/4").unwrap_err().to_string();
        assert!(
            word.contains("`two`") && word.contains("whole number"),
            "{word}"
        );
        assert!(Shard::parse("3").unwrap_err().to_string().contains("I/N"));
        assert!(Shard::parse("-1/4").is_err());
    }

    #[test]
    fn parts_cover_the_sweep_once_and_are_balanced() {
        let config = presets::default_config();
        let all = sweep_pairs(&config);
        for count in [1, 2, 3, 7, 16] {
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            for index in 0..count {
                let shard = Shard::new(index, count).unwrap();
                let pairs = shard.pairs(&config);
                assert_eq!(pairs.len() + shard.others(&config).len(), all.len());
                for pair in &pairs {
                    assert_eq!(Shard::owner_of(&config, count, pair), Some(index));
                }
                sizes.push(pairs.len());
                seen.extend(pairs);
            }
            let key = |id: &RunId| (id.condition.to_string(), id.index);
            seen.sort_by_key(key);
            let mut expected = all.clone();
            expected.sort_by_key(key);
            assert_eq!(seen, expected, "{count} parts");
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "{count} parts: sizes {sizes:?}");
        }
    }

    #[test]
    fn every_part_gets_a_share_of_every_condition() {
        let config = presets::default_config();
        let shard = Shard::new(2, 7).unwrap();
        let conditions: HashSet<_> = shard
            .pairs(&config)
            .into_iter()
            .map(|p| p.condition)
            .collect();
        assert_eq!(conditions.len(), config.conditions.len());
    }
}
