//! An exact 64-bit integer field for seeds. egui's `DragValue` edits through `f64`, which
//! holds 53 bits: a seed such as 3874686842423312392 came back as 3874686842423312384 the
//! moment the field lost focus, silently starting another experiment. Here the text is
//! parsed as `u64` and nothing else: bad text turns red and the seed keeps its value.

use eframe::egui::{self, Color32, RichText};

const RED: Color32 = Color32::from_rgb(0xc0, 0x10, 0x10);

/// What the field shows, and for which seed value it was last filled in.
#[derive(Clone, Debug)]
struct SeedText {
    text: String,
    shown_for: u64,
}

/// Parses a seed exactly: a whole number from 0 to 2⁶⁴ − 1, surrounding spaces allowed.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("a seed is a whole number from 0 to {}", u64::MAX));
    }
    trimmed.parse::<u64>().map_err(|_| {
        format!(
            "`{}` is not a whole number from 0 to {}",
            crate::engine::files::quote(trimmed),
            u64::MAX
        )
    })
}

/// Draws the field for `value` labelled by `label`. A valid number is taken when the field
/// loses focus (or on Enter); invalid text stays on screen in red with the reason, and
/// `value` keeps what it had. A change from elsewhere (New seed, opening a file) replaces
/// the text whenever the field is not being edited.
pub fn seed_field(ui: &mut egui::Ui, label: &egui::Response, value: &mut u64) -> egui::Response {
    let id = label.id.with("seed-text");
    let stored = ui.data(|d| d.get_temp::<SeedText>(id));
    let focused = ui.memory(|m| m.has_focus(id));
    let mut state = match stored {
        Some(state) if state.shown_for == *value || focused => state,
        _ => SeedText {
            text: value.to_string(),
            shown_for: *value,
        },
    };
    let parsed = parse_seed(&state.text);
    let mut edit = egui::TextEdit::singleline(&mut state.text)
        .id(id)
        .desired_width(190.0)
        .font(egui::TextStyle::Monospace);
    if parsed.is_err() {
        edit = edit.text_color(RED);
    }
    let response = ui.add(edit).labelled_by(label.id);
    if response.lost_focus()
        && let Ok(seed) = parse_seed(&state.text)
    {
        *value = seed;
        state = SeedText {
            text: seed.to_string(),
            shown_for: seed,
        };
    }
    if let Err(reason) = parse_seed(&state.text) {
        response
            .clone()
            .on_hover_text(format!("{reason}; the seed stays {value}"));
    }
    ui.data_mut(|d| d.insert_temp(id, state));
    response
}

/// The reason the field's text is refused, if it is (for a line under the field).
pub fn seed_problem(ui: &egui::Ui, label: &egui::Response, value: u64) -> Option<RichText> {
    let id = label.id.with("seed-text");
    let state = ui.data(|d| d.get_temp::<SeedText>(id))?;
    let reason = parse_seed(&state.text).err()?;
    Some(RichText::new(format!("Master seed: {reason}; the seed stays {value}")).color(RED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_exactly_over_the_whole_range() {
        assert_eq!(parse_seed("3874686842423312392"), Ok(3874686842423312392));
        assert_eq!(parse_seed(" 18446744073709551615 "), Ok(u64::MAX));
        assert_eq!(parse_seed("0"), Ok(0));
        for bad in ["12ab", "", "-1", "18446744073709551616", "1e3", "3.0"] {
            assert!(parse_seed(bad).is_err(), "{bad}");
        }
    }
}
