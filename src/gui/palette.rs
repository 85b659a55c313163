//! One colour per condition, the same in every view.

use eframe::egui::Color32;

use crate::engine::seeds::{Condition, Lesson, Source};

pub fn source_color(source: Source) -> Color32 {
    match source {
        Source::Data => Color32::from_rgb(0x1f, 0x77, 0xb4),
        Source::Split => Color32::from_rgb(0xff, 0x7f, 0x0e),
        Source::Init => Color32::from_rgb(0x2c, 0xa0, 0x2c),
        Source::Dropout => Color32::from_rgb(0xd6, 0x27, 0x28),
        Source::Shuffle => Color32::from_rgb(0x94, 0x67, 0xbd),
        Source::Threads => Color32::from_rgb(0x8c, 0x56, 0x4b),
        Source::Gpu => Color32::from_rgb(0x7f, 0x7f, 0x7f),
    }
}

pub fn condition_color(condition: &Condition) -> Color32 {
    match condition.lesson() {
        Lesson::LibraryRng => return Color32::from_rgb(0xe3, 0x77, 0xc2),
        Lesson::Nudge => return Color32::from_rgb(0x17, 0xbe, 0xcf),
        Lesson::None => {}
    }
    let free = condition.free_sources();
    match free.len() {
        0 => Color32::from_rgb(0x55, 0x55, 0x55),
        7 => Color32::from_rgb(0x20, 0x20, 0x20),
        1 => source_color(free[0]),
        _ => Color32::from_rgb(0xbc, 0xbd, 0x22),
    }
}

/// The colour of a condition named by text (a view setting) or given as a value.
pub fn condition_color_by_name(name: &impl ToString) -> Color32 {
    name.to_string()
        .parse::<Condition>()
        .map(|c| condition_color(&c))
        .unwrap_or(Color32::GRAY)
}
