//! Experiment presets: JSON files in assets/presets/, embedded in the binary.

use crate::engine::config::{ConfigError, ExperimentConfig};

pub struct Preset {
    pub name: &'static str,
    pub json: &'static str,
}

impl Preset {
    pub fn config(&self) -> Result<ExperimentConfig, ConfigError> {
        ExperimentConfig::from_json(self.json)
    }

    pub fn description(&self) -> String {
        self.config().map(|c| c.description).unwrap_or_default()
    }
}

macro_rules! preset {
    ($name:literal) => {
        Preset {
            name: $name,
            json: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/presets/",
                $name,
                ".json"
            )),
        }
    };
}

/// The preset a new user sees first: fast, and every source matters.
pub const DEFAULT_PRESET: &str = "circles";

static PRESETS: [Preset; 13] = [
    preset!("circles"),
    preset!("sequence"),
    preset!("random-regression"),
    preset!("reference"),
    preset!("moons"),
    preset!("xor"),
    preset!("blobs"),
    preset!("spirals"),
    preset!("lessons"),
    preset!("iris"),
    preset!("wine"),
    preset!("diabetes"),
    preset!("digits"),
];

pub fn all() -> &'static [Preset] {
    &PRESETS
}

/// A preset name that is not one of the built-in experiments.
#[derive(Debug, thiserror::Error)]
#[error("unknown preset `{name}`; available: {}", available.join(", "))]
pub struct UnknownPreset {
    pub name: String,
    pub available: Vec<&'static str>,
}

pub fn find(name: &str) -> Result<&'static Preset, UnknownPreset> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| UnknownPreset {
            name: crate::engine::files::quote(name),
            available: PRESETS.iter().map(|p| p.name).collect(),
        })
}

pub fn default_config() -> ExperimentConfig {
    find(DEFAULT_PRESET)
        .expect("the default preset exists")
        .config()
        .expect("the default preset is valid (tested)")
}
