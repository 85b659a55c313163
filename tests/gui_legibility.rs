//! What the plots paint can be read (issue 44 items 2 and 5), at 1400×900 and 1280×800: no
//! faded tick label, no grid line through the labels over the distributions' columns, and
//! the Which-sources-matter legend's swatch for an outlined bar is an outline, not a dot.
//! These read the shapes of the frame the app painted, as a screenshot would show them.
#![cfg(feature = "gui")]

mod common;

use eframe::egui::{self, Rect, Shape, epaint::TextShape};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use seedscope::engine::seeds::{Condition, Source};
use seedscope::gui::app::SeedscopeApp;

/// Every shape of the last frame, nested lists flattened.
fn painted(harness: &Harness<'_, SeedscopeApp>) -> Vec<Shape> {
    fn flatten(shape: &Shape, into: &mut Vec<Shape>) {
        match shape {
            Shape::Vec(shapes) => shapes.iter().for_each(|s| flatten(s, into)),
            other => into.push(other.clone()),
        }
    }
    let mut shapes = Vec::new();
    for clipped in &harness.output().shapes {
        flatten(&clipped.shape, &mut shapes);
    }
    shapes
}

fn texts(shapes: &[Shape]) -> Vec<&TextShape> {
    shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Text(text) => Some(text),
            _ => None,
        })
        .collect()
}

/// The screen rectangle a text shape covers.
fn text_rect(text: &TextShape) -> Rect {
    text.galley.rect.translate(text.pos.to_vec2())
}

/// The built-in model, 4 runs each of all-fixed, all-free and only-init, swept.
fn swept_builtin(width: f32, height: f32) -> Harness<'static, SeedscopeApp> {
    let mut settings = seedscope::gui::state::Settings::default();
    settings.config.repeats = 4;
    settings.choice = seedscope::gui::state::ConditionChoice::from_conditions(&[
        Condition::ALL_FIXED,
        Condition::ALL_FREE,
        Condition::only(Source::Init),
    ]);
    common::gui::swept(settings, width, height)
}

const SIZES: [(f32, f32); 2] = [(1400.0, 900.0), (1280.0, 800.0)];

#[test]
fn no_tick_label_is_painted_faded() {
    for (width, height) in SIZES {
        let mut harness = swept_builtin(width, height);
        for view in ["Distributions", "Which sources matter"] {
            harness.get_by_label(view).click();
            harness.run_ok();
            harness.run_ok();
            let shapes = painted(&harness);
            let ticks: Vec<&TextShape> = texts(&shapes)
                .into_iter()
                // The axes' tick labels: numbers laid out in their own colour (a widget's
                // text is laid out in a placeholder, coloured when painted).
                .filter(|t| t.galley.text().trim().parse::<f64>().is_ok())
                .filter(|t| t.galley.job.sections[0].format.color != egui::Color32::PLACEHOLDER)
                .collect();
            assert!(ticks.len() >= 3, "{view} at {width}: tick labels painted");
            for tick in ticks {
                let colour = tick.galley.job.sections[0].format.color;
                assert!(
                    colour.a() == 255,
                    "{view} at {width}×{height}: the tick label {:?} is faded ({colour:?})",
                    tick.galley.text()
                );
            }
        }
    }
}

#[test]
fn no_grid_line_crosses_a_column_label() {
    for (width, height) in SIZES {
        let harness = swept_builtin(width, height);
        let shapes = painted(&harness);
        // The table of numbers, whose notes say "bitwise identical" too, is under the plot's
        // note.
        let note = texts(&shapes)
            .into_iter()
            .find(|t| t.galley.text().starts_with("Each dot is one run"))
            .map(|t| t.pos.y)
            .expect("the note under the plot");
        let labels: Vec<Rect> = texts(&shapes)
            .into_iter()
            .filter(|t| {
                let text = t.galley.text().replace('\n', " ");
                t.pos.y < note && (text == "bitwise identical" || text.ends_with(" distinct"))
            })
            .map(text_rect)
            .collect();
        assert_eq!(labels.len(), 3, "one label over each column at {width}");
        for label in labels {
            for shape in &shapes {
                if let Shape::LineSegment { points, .. } = shape {
                    let line = Rect::from_two_pos(points[0], points[1]);
                    assert!(
                        !line.intersects(label.shrink(1.0)),
                        "at {width}×{height} a line {points:?} crosses the label at {label:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn an_outlined_bar_has_an_outlined_swatch() {
    for (width, height) in SIZES {
        let mut harness = swept_builtin(width, height);
        harness.get_by_label("Which sources matter").click();
        harness.run_ok();
        harness.run_ok();
        let entry = harness
            .get_by_label_contains("outline: cannot be split")
            .rect();
        let shapes = painted(&harness);
        // The swatch: the shape just left of the entry's words, on its row.
        let swatch = shapes.iter().find(|shape| {
            let bounds = shape.visual_bounding_rect();
            bounds.max.x <= entry.min.x + 1.0
                && bounds.max.x >= entry.min.x - 12.0
                && bounds.center().y >= entry.min.y
                && bounds.center().y <= entry.max.y
        });
        match swatch {
            Some(Shape::Rect(rect)) => {
                assert!(rect.stroke.width >= 1.5, "the swatch is outlined: {rect:?}");
                assert!(rect.fill.a() < 80, "and not filled solid: {rect:?}");
            }
            other => panic!("at {width}×{height} the outline entry's swatch is {other:?}"),
        }
    }
}
