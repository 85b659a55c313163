//! Sources of randomness, their policies, conditions, and the one place seeds are derived.
//!
//! Every source draws from its own ChaCha8 stream (8 rounds: ample for simulation, and 2.5×
//! faster than ChaCha20 — drawing dropout masks was a fifth of a run's time). A stream's 64-bit seed is derived from
//! (master seed, source name, run index if the source is free) through SHA-256, in the spirit
//! of JAX key splitting: toggling one source cannot change a single number another source
//! draws, because no two sources ever share a stream.
//!
//! Files: this one holds the policies, conditions and seed derivation; `source.rs` the
//! sources and what each varies; `stream.rs`
//! the stream itself ([`SourceRng`]); `master.rs` where the master seed comes from.
//!
//! The sampling helpers on [`SourceRng`] (uniform floats, normals, shuffles) are written here
//! rather than taken from `rand`'s distributions: `rand` may change those algorithms between
//! versions, and a recorded seed must replay the same numbers forever.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod chacha;
mod condition_names;
mod master;
mod source;
mod stream;

pub use master::{BadSeed, SEED_ENV, os_seed, resolve_seed};
use source::SEEDED;
pub use source::Source;
pub use stream::SourceRng;

/// Fixed: the same seed in every run of a condition. Free: a different, recorded seed per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    Fixed,
    Free,
}

/// The two lessons the tutorials teach, offered as conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lesson {
    #[default]
    None,
    /// Every seed fixed, but weights initialised through candle's own (unseedable) initialiser.
    LibraryRng,
    /// Every seed fixed; run `i` moves initial weight number `i` by one ULP.
    Nudge,
}

/// Which sources are free in a sweep condition, plus an optional lesson.
///
/// Written as text everywhere (files, CLI, GUI): `all-fixed`, `all-free`, `only-init`,
/// `free:init+shuffle`, `library-rng`, `nudge`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Condition {
    /// Indexed by [`Source::index`]; the last is the gpu switch.
    free: [bool; 7],
    lesson: Lesson,
}

impl Condition {
    pub const ALL_FIXED: Condition = Condition {
        free: [false; 7],
        lesson: Lesson::None,
    };
    pub const ALL_FREE: Condition = Condition {
        free: [true; 7],
        lesson: Lesson::None,
    };
    pub const LIBRARY_RNG: Condition = Condition {
        free: [false; 7],
        lesson: Lesson::LibraryRng,
    };
    pub const NUDGE: Condition = Condition {
        free: [false; 7],
        lesson: Lesson::Nudge,
    };

    pub fn only(source: Source) -> Condition {
        Condition::with_free(&[source])
    }

    /// The condition in which `sources` are free. Every seeded source free is all-free,
    /// whose gpu switch is free too: "every source free" means the same for built-in runs
    /// (which have no gpu) and a command's.
    pub fn with_free(sources: &[Source]) -> Condition {
        let mut free = [false; 7];
        for source in sources {
            free[source.index()] = true;
        }
        if free[..SEEDED].iter().all(|&f| f) {
            free[Source::Gpu.index()] = true;
        }
        Condition {
            free,
            lesson: Lesson::None,
        }
    }

    /// The default sweep: all-fixed, all-free and the six one-at-a-time ablations.
    pub fn default_list() -> Vec<Condition> {
        let mut list = vec![Condition::ALL_FIXED, Condition::ALL_FREE];
        list.extend(Source::ALL.into_iter().map(Condition::only));
        list
    }

    /// `only-seed`: every seed free (data, split, init, dropout, shuffle), the thread count
    /// and the gpu switch fixed — what freeing a script's one `{seed}` does.
    pub const ONLY_SEED: Condition = Condition {
        free: [true, true, true, true, true, false, false],
        lesson: Lesson::None,
    };

    /// Whether this condition frees some seeds and not others: a condition a script with one
    /// seed for everything cannot be run under (seedscope cannot move one source apart).
    pub fn splits_the_seeds(&self) -> bool {
        let freed = Source::ALL[..5]
            .iter()
            .filter(|s| self.is_free(**s))
            .count();
        self.lesson == Lesson::None && freed != 0 && freed != 5
    }

    /// The sweep of a script with one seed for everything (`{seed}`): what can be told from
    /// outside — the seed, threads and gpu.
    pub fn one_seed_list() -> Vec<Condition> {
        vec![
            Condition::ALL_FIXED,
            Condition::ALL_FREE,
            Condition::ONLY_SEED,
            Condition::only(Source::Threads),
            Condition::only(Source::Gpu),
        ]
    }

    /// A command's default sweep: the default one and only-gpu.
    pub fn command_default_list() -> Vec<Condition> {
        let mut list = Condition::default_list();
        list.push(Condition::only(Source::Gpu));
        list
    }

    pub fn policy(&self, source: Source) -> Policy {
        if self.free[source.index()] {
            Policy::Free
        } else {
            Policy::Fixed
        }
    }

    pub fn is_free(&self, source: Source) -> bool {
        self.free[source.index()]
    }

    /// The free sources, the gpu switch included.
    pub fn free_sources(&self) -> Vec<Source> {
        Source::WITH_GPU
            .into_iter()
            .filter(|s| self.is_free(*s))
            .collect()
    }

    pub fn lesson(&self) -> Lesson {
        self.lesson
    }

    pub fn name(&self) -> String {
        self.to_string()
    }
}

/// The condition's name; padding and alignment (`{:<12}`) apply, as to a string.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let free = self.free_sources();
        let name = match (self.lesson, free.len()) {
            (Lesson::LibraryRng, _) => "library-rng".to_string(),
            (Lesson::Nudge, _) => "nudge".to_string(),
            (Lesson::None, 0) => "all-fixed".to_string(),
            (Lesson::None, 5) if *self == Condition::ONLY_SEED => "only-seed".to_string(),
            (Lesson::None, 7) => "all-free".to_string(),
            (Lesson::None, 1) => format!("only-{}", free[0]),
            (Lesson::None, _) => {
                let names: Vec<&str> = free.iter().map(|s| s.name()).collect();
                format!("free:{}", names.join("+"))
            }
        };
        f.pad(&name)
    }
}

impl FromStr for Condition {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        match text {
            "all-fixed" => return Ok(Condition::ALL_FIXED),
            "all-free" => return Ok(Condition::ALL_FREE),
            "library-rng" => return Ok(Condition::LIBRARY_RNG),
            "only-seed" => return Ok(Condition::ONLY_SEED),
            "nudge" => return Ok(Condition::NUDGE),
            _ => {}
        }
        if let Some(name) = text.strip_prefix("only-") {
            return Ok(Condition::only(name.parse()?));
        }
        if let Some(list) = text.strip_prefix("free:") {
            let sources = list
                .split('+')
                .map(|name| name.trim().parse::<Source>())
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Condition::with_free(&sources));
        }
        Err(format!(
            "unknown condition `{text}`; expected all-fixed, all-free, only-<source>, only-seed, \
             free:<source>+<source>..., library-rng or nudge (sources: data, split, init, dropout, shuffle, threads; gpu for a command)"
        ))
    }
}

impl TryFrom<String> for Condition {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Condition> for String {
    fn from(value: Condition) -> Self {
        value.to_string()
    }
}

/// Parses a comma-separated list of condition names.
pub fn parse_condition_list(text: &str) -> Result<Vec<Condition>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The per-source seeds one run uses, keyed by source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSeeds {
    seeds: [u64; SEEDED],
}

impl RunSeeds {
    /// Derives every source's seed for run `run_index` of `condition`.
    pub fn derive(master_seed: u64, condition: &Condition, run_index: u64) -> RunSeeds {
        let mut seeds = [0u64; SEEDED];
        for source in Source::ALL {
            seeds[source.index()] =
                source_seed(master_seed, source, condition.policy(source), run_index);
        }
        RunSeeds { seeds }
    }

    /// `source`'s seed. The gpu switch has none: asking for it is a bug in the caller.
    pub fn get(&self, source: Source) -> u64 {
        self.seeds[source.index()]
    }

    /// The same seeds with `source`'s set to `seed` (k-fold draws its one partition from the
    /// fixed split seed, whatever the split policy: the policy picks the fold instead).
    pub fn with_seed(mut self, source: Source, seed: u64) -> RunSeeds {
        self.seeds[source.index()] = seed;
        self
    }

    pub fn rng(&self, source: Source) -> SourceRng {
        SourceRng::new(self.get(source))
    }

    pub fn to_map(&self) -> BTreeMap<String, u64> {
        Source::ALL
            .into_iter()
            .map(|source| (source.name().to_string(), self.get(source)))
            .collect()
    }

    /// Rebuilds seeds from a results file's `seeds` object; every source must be present.
    pub fn from_map(map: &BTreeMap<String, u64>) -> Result<RunSeeds, MissingSeed> {
        let mut seeds = [0u64; SEEDED];
        for source in Source::ALL {
            seeds[source.index()] = *map.get(source.name()).ok_or(MissingSeed(source))?;
        }
        Ok(RunSeeds { seeds })
    }
}

/// A recorded run's seeds lack a source's seed.
#[derive(Debug, thiserror::Error)]
#[error("seeds.{} is missing", .0.name())]
pub struct MissingSeed(pub Source);

/// The seed of one source's stream: SHA-256 over a domain tag, the master seed, the source's
/// name and — only when the source is free — the run index.
pub fn source_seed(master_seed: u64, source: Source, policy: Policy, run_index: u64) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(b"seedscope/source-seed/v1");
    hasher.update(master_seed.to_le_bytes());
    hasher.update(source.name().as_bytes());
    match policy {
        Policy::Fixed => hasher.update(b"/fixed"),
        Policy::Free => {
            hasher.update(b"/free/");
            hasher.update(run_index.to_le_bytes());
        }
    }
    let digest = hasher.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_names_round_trip() {
        let mut all = Condition::default_list();
        all.push(Condition::LIBRARY_RNG);
        all.push(Condition::NUDGE);
        all.push(Condition::with_free(&[Source::Init, Source::Shuffle]));
        for condition in all {
            let text = condition.to_string();
            assert_eq!(text.parse::<Condition>().unwrap(), condition, "{text}");
        }
        assert_eq!(
            "free:shuffle+init"
                .parse::<Condition>()
                .unwrap()
                .to_string(),
            "free:init+shuffle"
        );
        assert!("only-tpu".parse::<Condition>().is_err());
        // The gpu switch is a source of a command's runs; every source free is all-free.
        let gpu = Condition::only(Source::Gpu);
        assert_eq!(gpu.to_string(), "only-gpu");
        assert_eq!("only-gpu".parse::<Condition>().unwrap(), gpu);
        assert_eq!(
            "free:data+split+init+dropout+shuffle+threads"
                .parse::<Condition>()
                .unwrap(),
            Condition::ALL_FREE
        );
        assert!(Condition::ALL_FREE.is_free(Source::Gpu));
    }

    #[test]
    fn fixed_seed_ignores_run_index_and_free_seed_uses_it() {
        let fixed: Vec<u64> = (0..5)
            .map(|i| source_seed(7, Source::Init, Policy::Fixed, i))
            .collect();
        assert!(fixed.iter().all(|s| *s == fixed[0]));
        let free: Vec<u64> = (0..5)
            .map(|i| source_seed(7, Source::Init, Policy::Free, i))
            .collect();
        let distinct: std::collections::HashSet<_> = free.iter().collect();
        assert_eq!(distinct.len(), 5);
    }
}
