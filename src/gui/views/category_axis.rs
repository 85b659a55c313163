//! The x axis of a plot with one category per condition (Distributions, Which sources
//! matter, Compare): condition names fitted to the room each category has.

use eframe::egui;

/// The x axis of a plot with one category per condition: `names` at integer positions, fitted
/// to the room a category has (see [`fit_names`]) and painted at full strength however close
/// (egui_plot's defaults fade x labels under 80 px apart and drop them under 60).
pub fn category_axis(ui: &egui::Ui, names: &[String]) -> egui_plot::AxisHints<'static> {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let room = category_room(ui, names.len());
    let names = fit_names(names, room, |text| text_width(ui, text, &font));
    egui_plot::AxisHints::new_x()
        .label_spacing(1.0..=2.0)
        .formatter(move |mark, _range| {
            let rounded = mark.value.round();
            if (mark.value - rounded).abs() < 1e-6 && rounded >= 0.0 {
                names.get(rounded as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
}

/// The width in points of one category of a plot of `categories` that fills the ui's width.
/// The plot spans the categories and about one more (-0.6 to n - 0.4), egui_plot adds 5% of
/// the span on each side, and the y axis takes some 60 points.
pub fn category_room(ui: &egui::Ui, categories: usize) -> f32 {
    (ui.available_width() - 60.0) / ((categories as f32 + 0.2) * 1.1)
}

/// The width of `text` in `font`, unwrapped (the widest line).
pub fn text_width(ui: &egui::Ui, text: &str, font: &egui::FontId) -> f32 {
    ui.ctx()
        .fonts_mut(|f| f.layout_no_wrap(text.to_owned(), font.clone(), egui::Color32::BLACK))
        .size()
        .x
}

/// Names that fit `room` points each: egui_plot paints no tick label wider than the spacing
/// between ticks, so a condition's bar would lose its name (only-dropout among nine
/// conditions at 1280 px). A name too wide is broken in two at the hyphen, plus, colon or
/// space nearest its middle ("only-\ndropout", "bitwise\nidentical").
pub fn fit_names(names: &[String], room: f32, measure: impl Fn(&str) -> f32) -> Vec<String> {
    // A little air between neighbouring labels.
    const GAP: f32 = 6.0;
    names
        .iter()
        .map(|name| {
            if measure(name) + GAP <= room {
                return name.clone();
            }
            let middle = name.len() as f64 / 2.0;
            // (end of the first line, start of the second): a hyphen stays on the first
            // line, a space goes.
            name.char_indices()
                .filter_map(|(i, c)| match c {
                    '-' | '+' | ':' => Some((i + 1, i + 1)),
                    ' ' => Some((i, i + 1)),
                    _ => None,
                })
                .filter(|&(end, start)| end > 0 && start < name.len())
                .min_by(|&(a, _), &(b, _)| {
                    let off = |cut: usize| (cut as f64 - middle).abs();
                    off(a).total_cmp(&off(b))
                })
                .map_or_else(
                    || name.clone(),
                    |(end, start)| format!("{}\n{}", &name[..end], &name[start..]),
                )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fit_names;

    /// Seven points a character, as a stand-in for the font.
    fn width(text: &str) -> f32 {
        text.lines().map(|l| l.chars().count()).max().unwrap_or(0) as f32 * 7.0
    }

    #[test]
    fn a_name_wider_than_its_column_breaks_at_its_middle_hyphen() {
        let names: Vec<String> = [
            "all-free",
            "only-dropout",
            "free:init+shuffle",
            "nudge",
            "bitwise identical",
        ]
        .map(String::from)
        .to_vec();
        // 80 points a column: "only-dropout" (84), "free:init+shuffle" (119) and "bitwise
        // identical" (119) do not fit.
        let fitted = fit_names(&names, 80.0, width);
        assert_eq!(
            fitted,
            [
                "all-free",
                "only-\ndropout",
                "free:init+\nshuffle",
                "nudge",
                "bitwise\nidentical"
            ]
        );
        for label in &fitted {
            assert!(width(label) + 6.0 <= 80.0, "{label:?} fits");
        }
        // With room, every name stays whole; a name with nowhere to break is kept as it is.
        assert_eq!(fit_names(&names, 200.0, width), names);
        assert_eq!(fit_names(&["library".into()], 10.0, width), ["library"]);
    }
}
