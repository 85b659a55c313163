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

/// The classes' points in Where runs disagree: Okabe & Ito's colour-blind-safe blue,
/// vermillion and bluish green, each drawn with its own shape inside a black ring
/// ([`POINT_RING`]), so a point stands out on any region and its class does not rest on hue.
pub const CLASS_POINTS: [Color32; 3] = [
    Color32::from_rgb(0x00, 0x72, 0xb2),
    Color32::from_rgb(0xd5, 0x5e, 0x00),
    Color32::from_rgb(0x00, 0x9e, 0x73),
];

/// The regions under the points: the same hues as pale tints (45% colour, 55% white), so the
/// saturated points and their rings keep their contrast on a region of their own class.
pub const CLASS_REGIONS: [Color32; 3] = [
    Color32::from_rgb(0x8c, 0xbf, 0xdc),
    Color32::from_rgb(0xec, 0xb6, 0x8c),
    Color32::from_rgb(0x8c, 0xd3, 0xc0),
];

/// The ring around every data point.
pub const POINT_RING: Color32 = Color32::from_rgb(0x10, 0x10, 0x10);

/// What the user should read with care before going on (a command's environment entry that
/// changes what a program loads): the diagnosis' dark orange-red, readable on the light theme.
pub const WARNING: Color32 = Color32::from_rgb(0xb0, 0x30, 0x00);
