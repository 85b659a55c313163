//! Seeds into a script's arguments (issue 43, items 1 and 2; docs/your-command.md, "A script that takes its seed as a flag"): a script
//! written without seedscope takes its seed as a flag (`--seed 1`, `--system.seed=1`), so its
//! argv and env may hold placeholders that each run fills in:
//!
//! - `{seed}`: the script's one seed, moved by any of the five seeded sources (so it is the
//!   same in every run where they are all fixed, and another in each run where any is free);
//! - `{seed.data}`, `{seed.split}`, `{seed.init}`, `{seed.dropout}`, `{seed.shuffle}`: one
//!   source's seed, for scripts with several seed flags.
//!
//! - `{rundir}`: a fresh, empty folder of the run's own (item 6), for a script that writes a
//!   fixed `-o out/` or `model.pt`: parallel runs would overwrite each other's files there.
//!
//! A seed given this way is below 2^31 (NumPy and scikit-learn refuse seeds of 2^32 and more,
//! and many scripts hand one seed to both); `{seed:u64}` gives all 64 bits. Each is a pure
//! function of the run's recorded seeds, so the store and `replay` work unchanged.
//!
//! What counts as a placeholder is kept narrow, so that the commands of today keep their
//! meaning: `{` followed by a name (`[a-z][a-z0-9_.]*`, optionally `:format`) and `}`. Other
//! braces are text — JSON in an argument (`{"metric": …}`), a shell's `${HOME}` (a `{` after
//! `$`). `{{seed}}` is the text `{seed}`. An unknown name, or a name left unclosed, is refused
//! before any run, naming it.

use sha2::{Digest, Sha256};

use crate::engine::seeds::{RunSeeds, Source};

/// The seeded sources a script can be given seeds of (threads and gpu are switches, not seeds).
pub const SEED_SOURCES: [Source; 5] = [
    Source::Data,
    Source::Split,
    Source::Init,
    Source::Dropout,
    Source::Shuffle,
];

/// Seeds given through a placeholder are below this, unless `:u64` asks for all 64 bits.
pub const NARROW_SEED_LIMIT: u64 = 1 << 31;

/// One piece of an argument.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    /// `{seed}` (None) or `{seed.<source>}`; `wide` for `:u64`.
    Seed {
        source: Option<Source>,
        wide: bool,
    },
    /// `{rundir}`: the run's own folder.
    RunDir,
}

/// What a run fills placeholders with: its seeds, and its own folder (empty text where the
/// command takes none).
#[derive(Clone, Copy, Debug)]
pub struct Filling<'a> {
    pub seeds: &'a RunSeeds,
    pub run_dir: &'a str,
}

/// An argument (or an environment value) with its placeholders found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template(Vec<Part>);

/// What an argument uses, for the checks on a command's conditions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uses {
    /// `{seed}`: the script's one seed.
    pub one_seed: bool,
    /// Any `{seed.<source>}`.
    pub source_seeds: bool,
    /// `{rundir}`: each run needs a folder of its own made.
    pub run_dir: bool,
}

impl Uses {
    pub fn any(&self) -> bool {
        self.one_seed || self.source_seeds
    }

    fn add(&mut self, other: Uses) {
        self.one_seed |= other.one_seed;
        self.source_seeds |= other.source_seeds;
        self.run_dir |= other.run_dir;
    }
}

const KNOWN: &str = "{seed}, {seed.data}, {seed.split}, {seed.init}, {seed.dropout}, {seed.shuffle} (each optionally :u64), {rundir}";

fn is_name_start(c: char) -> bool {
    c.is_ascii_lowercase()
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == ':'
}

impl Template {
    /// Finds the placeholders of `text`; an unknown or unclosed one is an error naming it.
    pub fn parse(text: &str) -> Result<Template, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let after_dollar = i > 0 && chars[i - 1] == '$';
            if c != '{'
                || after_dollar
                || !chars
                    .get(i + 1)
                    .is_some_and(|&n| n == '{' || is_name_start(n))
            {
                literal.push(c);
                i += 1;
                continue;
            }
            // `{{name}}`: the text `{name}`.
            if chars[i + 1] == '{' {
                let (name, end) = name_at(&chars, i + 2);
                if !name.is_empty()
                    && chars.get(end) == Some(&'}')
                    && chars.get(end + 1) == Some(&'}')
                {
                    literal.push('{');
                    literal.push_str(&name);
                    literal.push('}');
                    i = end + 2;
                } else {
                    literal.push('{');
                    i += 1;
                }
                continue;
            }
            let (name, end) = name_at(&chars, i + 1);
            match chars.get(end) {
                Some('}') => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(placeholder(&name)?);
                    i = end + 1;
                }
                None => {
                    return Err(format!(
                        "`{{{name}` is not closed: a placeholder is written {{seed}} (write {{{{{name}}}}} for the text itself)"
                    ));
                }
                // `{a b}`, `{x"…`: not a name, so text.
                Some(_) => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template(parts))
    }

    /// What this argument uses.
    pub fn uses(&self) -> Uses {
        let mut uses = Uses::default();
        for part in &self.0 {
            match part {
                Part::Seed { source: None, .. } => uses.one_seed = true,
                Part::Seed {
                    source: Some(_), ..
                } => uses.source_seeds = true,
                Part::RunDir => uses.run_dir = true,
                Part::Text(_) => {}
            }
        }
        uses
    }

    /// The argument of one run, its placeholders filled from the run's seeds and folder.
    pub fn fill(&self, filling: Filling) -> String {
        let seeds = filling.seeds;
        let mut text = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => text.push_str(t),
                Part::RunDir => text.push_str(filling.run_dir),
                Part::Seed { source, wide } => {
                    let seed = match source {
                        Some(source) => seeds.get(*source),
                        None => one_seed(seeds),
                    };
                    let seed = if *wide {
                        seed
                    } else {
                        seed % NARROW_SEED_LIMIT
                    };
                    text.push_str(&seed.to_string());
                }
            }
        }
        text
    }
}

/// The name starting at `start` (lower-case letters, digits, `_`, `.`, `:`), and where it ends.
fn name_at(chars: &[char], start: usize) -> (String, usize) {
    let mut end = start;
    while end < chars.len() && is_name_char(chars[end]) {
        end += 1;
    }
    (chars[start..end.min(chars.len())].iter().collect(), end)
}

fn placeholder(name: &str) -> Result<Part, String> {
    if name == "rundir" {
        return Ok(Part::RunDir);
    }
    let (base, format) = match name.split_once(':') {
        Some((base, format)) => (base, Some(format)),
        None => (name, None),
    };
    let wide = match format {
        None => false,
        Some("u64") => true,
        Some(other) => {
            return Err(format!(
                "`{{{name}}}`: unknown format `{other}`; the one format is u64 (all 64 bits of the seed)"
            ));
        }
    };
    let source = match base {
        "seed" => None,
        _ => match base
            .strip_prefix("seed.")
            .and_then(|s| s.parse::<Source>().ok())
        {
            Some(source) if SEED_SOURCES.contains(&source) => Some(source),
            _ => {
                return Err(format!(
                    "unknown placeholder `{{{name}}}`; known: {KNOWN}; write {{{{{name}}}}} for the text itself"
                ));
            }
        },
    };
    Ok(Part::Seed { source, wide })
}

/// The script's one seed: a hash of the five seeded sources' seeds, so it is fixed exactly
/// when all of them are.
pub fn one_seed(seeds: &RunSeeds) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(b"seedscope one seed");
    for source in SEED_SOURCES {
        hasher.update(seeds.get(source).to_le_bytes());
    }
    let digest = hasher.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("a SHA-256 has 32 bytes"))
}

/// What a whole command uses: every argument and environment value.
pub fn uses_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Uses {
    let mut uses = Uses::default();
    for text in texts {
        if let Ok(template) = Template::parse(text) {
            uses.add(template.uses());
        }
    }
    uses
}

/// Whether any seed can reach the command: a seed placeholder in its arguments or
/// environment, or an input file that reads seedscope's seed variables or imports its helper.
/// When none can, every condition will likely give one outcome, and the user is told so
/// before the sweep rather than left to read it in the diagnosis.
/// `uses`: what its arguments and environment use; `inputs`: its input files.
pub fn seeds_reach(uses: Uses, inputs: &[std::path::PathBuf]) -> bool {
    if uses.any() {
        return true;
    }
    inputs.iter().any(|path| {
        std::fs::read(path).is_ok_and(|bytes| {
            ["SEEDSCOPE_SEED", "seedscope_run"]
                .iter()
                .any(|needle| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seeds::Condition;

    fn seeds(condition: &str, run: u64) -> RunSeeds {
        RunSeeds::derive(42, &condition.parse::<Condition>().unwrap(), run)
    }

    fn fill(template: &Template, seeds: &RunSeeds) -> String {
        template.fill(Filling {
            seeds,
            run_dir: "/tmp/run-7",
        })
    }

    #[test]
    fn a_seed_fills_its_placeholder_inside_an_argument_below_two_to_the_31() {
        let run = seeds("all-free", 3);
        let template = Template::parse("--system.seed={seed}").unwrap();
        let filled = fill(&template, &run);
        let value: u64 = filled
            .strip_prefix("--system.seed=")
            .unwrap()
            .parse()
            .unwrap();
        assert!(value < NARROW_SEED_LIMIT);
        assert_eq!(value, one_seed(&run) % NARROW_SEED_LIMIT);
        let init = fill(&Template::parse("{seed.init:u64}").unwrap(), &run);
        assert_eq!(init, run.get(Source::Init).to_string());
        for run_index in 0..200 {
            let narrow = fill(
                &Template::parse("{seed.shuffle}").unwrap(),
                &seeds("all-free", run_index),
            );
            assert!(narrow.parse::<u64>().unwrap() < NARROW_SEED_LIMIT);
        }
    }

    #[test]
    fn the_one_seed_is_fixed_exactly_when_every_seeded_source_is() {
        let one = |condition: &str, run| one_seed(&seeds(condition, run));
        assert_eq!(one("all-fixed", 0), one("all-fixed", 5));
        assert_eq!(one("only-threads", 0), one("only-threads", 5));
        assert_eq!(one("only-threads", 0), one("all-fixed", 0));
        assert_ne!(one("all-free", 0), one("all-free", 1));
        assert_ne!(one("only-init", 0), one("only-init", 1));
    }

    #[test]
    fn todays_braces_stay_text_and_bad_placeholders_are_named() {
        let text = |s: &str| fill(&Template::parse(s).unwrap(), &seeds("all-fixed", 0));
        for literal in [
            r#"printf '{"metric":"accuracy","value":0.5}'"#,
            "echo ${HOME} ${seed}",
            "{a b}",
            "{}",
            "a}b",
            "{{",
        ] {
            assert_eq!(text(literal), literal);
        }
        assert_eq!(text("{{seed}}"), "{seed}");
        assert_eq!(text("--out={rundir}/model.pt"), "--out=/tmp/run-7/model.pt");
        assert!(Template::parse("{rundir}").unwrap().uses().run_dir);
        assert!(Template::parse("plain").unwrap().uses() == Uses::default());
        let error = Template::parse("--lr {lr}").unwrap_err();
        assert!(error.contains("unknown placeholder `{lr}`"), "{error}");
        let error = Template::parse("--seed={seed.threads}").unwrap_err();
        assert!(error.contains("`{seed.threads}`"), "{error}");
        let error = Template::parse("--seed {seed").unwrap_err();
        assert!(error.contains("not closed"), "{error}");
        let error = Template::parse("{seed:hex}").unwrap_err();
        assert!(error.contains("unknown format `hex`"), "{error}");
        assert_eq!(
            uses_of(["--seed", "{seed}", "--init={seed.init}"]),
            Uses {
                one_seed: true,
                source_seeds: true,
                run_dir: false,
            }
        );
    }
}
