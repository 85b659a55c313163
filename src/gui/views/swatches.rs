//! A legend row whose swatches are drawn the way the plot draws what they name: a filled
//! square for a filled bar, an outlined square for an outlined one, a diamond for a diamond.
//! egui_plot's own legend draws every entry as a dot, so an outlined bar was keyed by a solid
//! dot (issue 44 item 2), and it sits inside the plot, over the tallest bars.

use eframe::egui::{self, Color32, Pos2, Sense, Shape, Stroke, StrokeKind};

/// How a legend entry's mark is drawn.
#[derive(Clone, Copy)]
pub enum Swatch {
    /// A filled bar (or part of one).
    Filled(Color32),
    /// A bar drawn as its outline over a faint fill.
    Outlined(Color32),
    /// A diamond marker.
    Diamond(Color32),
}

/// The side of a swatch, about a line of text high.
const SIDE: f32 = 13.0;

/// One row (wrapped where the window is narrow) of swatches, each before its words.
pub fn legend_row(ui: &mut egui::Ui, entries: &[(Swatch, &str)]) {
    ui.horizontal_wrapped(|ui| {
        for (swatch, words) in entries {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(SIDE, SIDE), Sense::hover());
            let painter = ui.painter();
            match *swatch {
                Swatch::Filled(colour) => {
                    painter.rect_filled(rect, 1.0, colour);
                }
                Swatch::Outlined(colour) => {
                    painter.rect(
                        rect,
                        1.0,
                        colour.gamma_multiply(0.12),
                        Stroke::new(2.0, colour),
                        StrokeKind::Inside,
                    );
                }
                Swatch::Diamond(colour) => {
                    let c = rect.center();
                    let r = SIDE / 2.0;
                    painter.add(Shape::convex_polygon(
                        vec![
                            Pos2::new(c.x, c.y - r),
                            Pos2::new(c.x + r, c.y),
                            Pos2::new(c.x, c.y + r),
                            Pos2::new(c.x - r, c.y),
                        ],
                        colour,
                        Stroke::NONE,
                    ));
                }
            }
            ui.label(*words);
            ui.add_space(12.0);
        }
    });
}
