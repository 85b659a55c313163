//! `seedscope presets`: the built-in experiments.

use crate::engine::presets;

pub(super) fn list_presets() {
    for preset in presets::all() {
        let marker = if preset.name == presets::DEFAULT_PRESET {
            " (default)"
        } else {
            ""
        };
        println!("{:<18} {}{marker}", preset.name, preset.description());
    }
}
