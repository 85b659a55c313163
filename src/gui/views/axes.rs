//! The plots' numeric axes, whose tick labels are painted in full or not at all.
//!
//! egui_plot fades a level of tick labels in while its spacing grows from 20 to 30 points (60
//! to 80 on x), so at some window heights a whole row of them (0.001 … 0.009 on Which sources
//! matter) is painted too faint to read (issue 44 item 5). Here a label with room is drawn at
//! full strength and one without is left out; its grid line stays.

use eframe::egui::{Rangef, WidgetText};
use egui_plot::AxisHints;

/// A y tick label needs a line of body text and a little air.
const Y_LABEL_ROOM: f32 = 18.0;

/// An x tick label needs its width (a few digits) and a gap.
const X_LABEL_ROOM: f32 = 60.0;

/// A y axis named `label`.
pub fn y_axis(label: impl Into<WidgetText>) -> AxisHints<'static> {
    AxisHints::new_y()
        .label(label)
        .label_spacing(all_or_nothing(Y_LABEL_ROOM))
}

/// An x axis named `label`.
pub fn x_axis(label: impl Into<WidgetText>) -> AxisHints<'static> {
    AxisHints::new_x()
        .label(label)
        .label_spacing(all_or_nothing(X_LABEL_ROOM))
}

/// A fade that ends as it begins: below `room` a label is hidden, from it on it is solid.
fn all_or_nothing(room: f32) -> Rangef {
    Rangef::new(room, room + 0.01)
}
