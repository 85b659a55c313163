//! What persists across launches: the experiment as entered, the condition checkboxes, the
//! view and each view's selections. Pure data with its own validation; no egui.

use serde::{Deserialize, Serialize};

use crate::engine::config::ExperimentConfig;
use crate::engine::config::placeholders::SEED_SOURCES;
use crate::engine::presets;
use crate::engine::producer::Capabilities;
use crate::engine::seeds::{Condition, Source};

/// Which conditions the next sweep runs: the checkboxes of the left panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionChoice {
    pub all_fixed: bool,
    pub all_free: bool,
    /// One-at-a-time ablations, indexed by `Source::index`.
    pub only: [bool; 6],
    /// The sources grid: which sources the custom condition frees.
    pub custom_free: [bool; 6],
    pub library_rng: bool,
    pub nudge: bool,
    /// A command's gpu source: alone (only-gpu), and in the custom set. The built-in model
    /// has no gpu, so these count only when the panel trains a command.
    pub only_gpu: bool,
    pub custom_gpu: bool,
    /// A script given one seed for everything (`{seed}`): that seed alone (only-seed). Its
    /// five seeded sources cannot be told apart from outside, so they tick together.
    pub only_seed: bool,
}

impl Default for ConditionChoice {
    fn default() -> Self {
        ConditionChoice {
            all_fixed: true,
            all_free: true,
            only: [true; 6],
            custom_free: [false; 6],
            library_rng: false,
            nudge: false,
            only_gpu: true,
            custom_gpu: false,
            only_seed: true,
        }
    }
}

impl ConditionChoice {
    /// The custom condition: its gpu switch counts where the producer has a gpu source, and a
    /// script with one seed frees all its seeded sources or none.
    pub fn custom(&self, producer: &Capabilities) -> Condition {
        let mut free: Vec<Source> = Source::ALL
            .into_iter()
            .filter(|s| self.custom_free[s.index()])
            .collect();
        if producer.one_seed && free.iter().any(|s| SEED_SOURCES.contains(s)) {
            free.retain(|s| !SEED_SOURCES.contains(s));
            free.extend(SEED_SOURCES);
        }
        if producer.takes_gpus && self.custom_gpu {
            free.push(Source::Gpu);
        }
        Condition::with_free(&free)
    }

    /// The conditions in sweep order, without duplicates (the custom set may equal another).
    /// A command's runs add only-gpu where ticked and leave out the built-in trainer's two
    /// lessons.
    pub fn conditions(&self, producer: &Capabilities) -> Vec<Condition> {
        let mut list = Vec::new();
        if self.all_fixed {
            list.push(Condition::ALL_FIXED);
        }
        if self.all_free {
            list.push(Condition::ALL_FREE);
        }
        if producer.one_seed && self.only_seed {
            list.push(Condition::ONLY_SEED);
        }
        for source in Source::ALL {
            let apart = !(producer.one_seed && SEED_SOURCES.contains(&source));
            if apart && self.only[source.index()] {
                list.push(Condition::only(source));
            }
        }
        if producer.takes_gpus && self.only_gpu {
            list.push(Condition::only(Source::Gpu));
        }
        let custom = self.custom(producer);
        list.push(custom);
        if self.library_rng && producer.lessons {
            list.push(Condition::LIBRARY_RNG);
        }
        if self.nudge && producer.lessons {
            list.push(Condition::NUDGE);
        }
        let mut unique = Vec::new();
        for condition in list {
            if !unique.contains(&condition) {
                unique.push(condition);
            }
        }
        // The custom set alone and all fixed is "all-fixed": keep it only if asked for.
        if !self.all_fixed && custom == Condition::ALL_FIXED {
            unique.retain(|c| *c != Condition::ALL_FIXED);
        }
        unique
    }

    /// The checkboxes that reproduce a saved list of conditions.
    pub fn from_conditions(conditions: &[Condition]) -> ConditionChoice {
        let mut choice = ConditionChoice {
            all_fixed: false,
            all_free: false,
            only: [false; 6],
            custom_free: [false; 6],
            library_rng: false,
            nudge: false,
            only_gpu: false,
            custom_gpu: false,
            only_seed: false,
        };
        for condition in conditions {
            match condition.to_string().as_str() {
                "all-fixed" => choice.all_fixed = true,
                "all-free" => choice.all_free = true,
                "library-rng" => choice.library_rng = true,
                "nudge" => choice.nudge = true,
                "only-gpu" => choice.only_gpu = true,
                // A one-seed script's seed alone (its name starts like a one-source one's).
                "only-seed" => choice.only_seed = true,
                name if name.starts_with("only-") && condition.free_sources().len() == 1 => {
                    let source = condition.free_sources()[0];
                    choice.only[source.index()] = true;
                    // For a script with one seed, a seeded source alone is its seed alone.
                    choice.only_seed |= SEED_SOURCES.contains(&source);
                }
                _ => {
                    for source in condition.free_sources() {
                        match source {
                            Source::Gpu => choice.custom_gpu = true,
                            seeded => choice.custom_free[seeded.index()] = true,
                        }
                    }
                }
            }
        }
        choice
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum View {
    #[default]
    Distributions,
    Sources,
    Curves,
    Disagreement,
    Compare,
    /// Compare settings: a settings study.
    Study,
    SeedLuck,
    Runs,
    History,
}

impl View {
    /// The view named on the command line (`--view`, e.g. `seed-luck`).
    pub fn from_name(name: &str) -> Option<View> {
        let name = name.replace('-', "");
        View::ALL
            .into_iter()
            .find(|v| format!("{v:?}").eq_ignore_ascii_case(&name))
    }

    pub const ALL: [View; 9] = [
        View::Distributions,
        View::Sources,
        View::Curves,
        View::Disagreement,
        View::Compare,
        View::Study,
        View::SeedLuck,
        View::Runs,
        View::History,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Distributions => "Distributions",
            View::Sources => "Which sources matter",
            View::Curves => "Learning curves",
            View::Disagreement => "Where runs disagree",
            View::Compare => "Compare",
            View::Study => "Compare settings",
            View::SeedLuck => "Seed luck",
            View::Runs => "Runs",
            View::History => "History",
        }
    }
}

/// What persists across launches (eframe storage).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: ExperimentConfig,
    pub master_seed: u64,
    pub choice: ConditionChoice,
    pub view: View,
    /// The hidden-layer widths as typed, e.g. "16, 16".
    pub hidden_text: String,
    pub preset: String,
    /// The condition shown in the learning-curves and disagreement views.
    pub curves_condition: String,
    /// The two conditions of the Compare view.
    pub compare_a: String,
    pub compare_b: String,
    /// The Seed luck view: the one-outcome condition and the condition it is read against.
    pub luck_fixed: String,
    pub luck_free: String,
    /// "How many runs do I need?": ε (mean within ±ε) and δ (a difference to detect); None
    /// follows the metric's default (`analysis::runs_needed::default_epsilon`/`_delta`).
    pub plan_epsilon: Option<f64>,
    pub plan_delta: Option<f64>,
    /// The columns of the CSV data set's header, to pick the target from.
    pub csv_columns: Vec<String>,
    /// The run whose own decision regions the disagreement view shows (None: all runs).
    pub selected_run: Option<usize>,
    /// Train missing runs by themselves a moment after any setting changes.
    pub auto_run: bool,
    /// The Distributions view plots each run's fresh-data score instead of its test metric.
    pub fresh_distributions: bool,
    /// "Your command": train a command instead of the built-in model.
    pub command: crate::gui::command_entry::CommandEntry,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_config(presets::default_config(), presets::DEFAULT_PRESET)
    }
}

impl Settings {
    pub fn from_config(config: ExperimentConfig, preset: &str) -> Settings {
        let command = config
            .command
            .as_ref()
            .map(crate::gui::command_entry::CommandEntry::of)
            .unwrap_or_default();
        Settings {
            hidden_text: widths_text(&config.model.hidden),
            choice: ConditionChoice::from_conditions(&config.conditions),
            config,
            master_seed: 42,
            view: View::Distributions,
            preset: preset.to_string(),
            curves_condition: "all-free".to_string(),
            compare_a: "all-fixed".to_string(),
            compare_b: "all-free".to_string(),
            luck_fixed: "all-fixed".to_string(),
            luck_free: "all-free".to_string(),
            plan_epsilon: None,
            plan_delta: None,
            csv_columns: Vec::new(),
            selected_run: None,
            auto_run: false,
            fresh_distributions: false,
            command,
        }
    }

    /// The experiment the Run button would start, with the conditions from the checkboxes.
    ///
    /// With "Your command", the command resolved (its folder absolute, its input files
    /// hashed: the store's key); a command that cannot be resolved yet is left out and named
    /// by [`Self::problems`].
    pub fn experiment(&self) -> ExperimentConfig {
        let mut config = self.config.clone();
        if self.command.enabled {
            config.command = Some(self.command.command().unwrap_or_else(|_| {
                crate::engine::command::CommandConfig::from_command_line("?")
                    .expect("one word is a command line")
            }));
            config.name = self
                .command
                .command()
                .map(|c| c.display_line())
                .unwrap_or_default();
        } else {
            config.command = None;
        }
        config.conditions = self.choice.conditions(&config.capabilities());
        config
    }

    /// What the experiment as entered can show (its producer's capabilities).
    pub fn capabilities(&self) -> Capabilities {
        self.experiment().capabilities()
    }

    /// Every problem with the experiment as entered, for the form and the Run button.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.command.enabled {
            if let Err(message) = self.command.command() {
                problems.push(message);
            }
        } else if let Err(message) = parse_widths(&self.hidden_text) {
            problems.push(message);
        }
        problems.extend(
            self.experiment()
                .problems()
                .into_iter()
                .map(|e| e.to_string()),
        );
        problems
    }
}

pub fn widths_text(widths: &[usize]) -> String {
    widths
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses "16, 16" into widths; the error names the field and the allowed range.
pub fn parse_widths(text: &str) -> Result<Vec<usize>, String> {
    use crate::engine::config::limits::{HIDDEN_LAYERS, WIDTH};
    let parts: Vec<&str> = text
        .split([',', ' '])
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.len() > *HIDDEN_LAYERS.end() {
        return Err(format!(
            "model.hidden: {} layers is out of range; allowed: {} to {}",
            parts.len(),
            HIDDEN_LAYERS.start(),
            HIDDEN_LAYERS.end()
        ));
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match part.trim().parse::<usize>() {
            Ok(width) if WIDTH.contains(&width) => Ok(width),
            _ => Err(format!(
                "model.hidden[{i}]: `{}` is out of range; allowed: whole numbers {} to {}",
                part.trim(),
                WIDTH.start(),
                WIDTH.end()
            )),
        })
        .collect()
}
