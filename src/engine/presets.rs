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

pub fn find(name: &str) -> Result<&'static Preset, String> {
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        format!("unknown preset `{name}`; available: {}", names.join(", "))
    })
}

pub fn default_config() -> ExperimentConfig {
    find(DEFAULT_PRESET)
        .and_then(|p| p.config().map_err(|e| e.to_string()))
        .expect("the default preset is valid (tested)")
}
