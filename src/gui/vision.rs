//! How colours read to the eye: WCAG's contrast ratio, and what a viewer with a colour-vision
//! deficiency sees (Machado, Oliveira & Fernandes 2009, severity 1). The palettes' tests use
//! them, so a colour change that makes points vanish on a region, for anyone, fails a test.

use eframe::egui::Color32;

/// A colour-vision deficiency to simulate, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vision {
    Typical,
    Protanopia,
    Deuteranopia,
    Tritanopia,
}

impl Vision {
    pub const ALL: [Vision; 4] = [
        Vision::Typical,
        Vision::Protanopia,
        Vision::Deuteranopia,
        Vision::Tritanopia,
    ];

    /// Machado et al.'s matrix on linear RGB.
    fn matrix(self) -> [[f64; 3]; 3] {
        match self {
            Vision::Typical => [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            Vision::Protanopia => [
                [0.152286, 1.052583, -0.204868],
                [0.114503, 0.786281, 0.099216],
                [-0.003882, -0.048116, 1.051998],
            ],
            Vision::Deuteranopia => [
                [0.367322, 0.860646, -0.227968],
                [0.280085, 0.672501, 0.047413],
                [-0.011820, 0.042940, 0.968881],
            ],
            Vision::Tritanopia => [
                [1.255528, -0.076749, -0.178779],
                [-0.078411, 0.930809, 0.147602],
                [0.004733, 0.691367, 0.308900],
            ],
        }
    }

    /// The colour as this viewer sees it, in linear RGB (0..1).
    pub fn see(self, colour: Color32) -> [f64; 3] {
        let linear = [colour.r(), colour.g(), colour.b()].map(to_linear);
        self.matrix().map(|row| {
            (row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2]).clamp(0.0, 1.0)
        })
    }
}

/// sRGB channel (0..255) to linear light (0..1).
fn to_linear(channel: u8) -> f64 {
    let c = f64::from(channel) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Relative luminance of a linear RGB colour (WCAG 2).
pub fn luminance(linear: [f64; 3]) -> f64 {
    0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
}

/// WCAG's contrast ratio between two colours as `vision` sees them: 1 (none) to 21.
pub fn contrast(a: Color32, b: Color32, vision: Vision) -> f64 {
    let (la, lb) = (luminance(vision.see(a)), luminance(vision.see(b)));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The colour a gradient through `stops` gives at `t` (0..1), mixed per channel as egui_plot's
/// heatmap mixes its palette.
pub fn along(stops: &[Color32], t: f64) -> Color32 {
    let scaled = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(stops.len() - 2);
    let f = scaled - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - f) + f64::from(b) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::palette::{CLASS_POINTS, CLASS_REGIONS, POINT_RING};

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((contrast(Color32::BLACK, Color32::WHITE, Vision::Typical) - 21.0).abs() < 1e-9);
        // WebAIM's checker: #767676 on white is 4.54:1.
        let grey = Color32::from_rgb(0x76, 0x76, 0x76);
        assert!((contrast(grey, Color32::WHITE, Vision::Typical) - 4.54).abs() < 0.01);
        // A deuteranope cannot tell pure red from a green of the same lightness by hue:
        // their simulated colours are far closer than the originals.
        let (red, green) = (Color32::from_rgb(200, 0, 0), Color32::from_rgb(0, 120, 0));
        let gap = |v: Vision| {
            let (a, b) = (v.see(red), v.see(green));
            (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt()
        };
        assert!(gap(Vision::Deuteranopia) < gap(Vision::Typical) / 2.0);
    }

    /// Every data point's ring stands out (WCAG's 3:1 for graphics) on every colour the map
    /// can take, for typical vision and the three dichromacies.
    #[test]
    fn points_stand_out_on_every_region_for_every_viewer() {
        for vision in Vision::ALL {
            for stops in [
                [CLASS_REGIONS[0], Color32::WHITE, CLASS_REGIONS[1]],
                [CLASS_REGIONS[0], CLASS_REGIONS[1], CLASS_REGIONS[2]],
            ] {
                for step in 0..=20 {
                    let region = along(&stops, f64::from(step) / 20.0);
                    let ratio = contrast(POINT_RING, region, vision);
                    assert!(
                        ratio >= 3.0,
                        "{vision:?}: ring on {region:?} is {ratio:.2}:1"
                    );
                }
            }
            // And a point's own colour is darker than its class's region, so a blue point on
            // the blue region is not blue on blue.
            for (point, region) in CLASS_POINTS.iter().zip(CLASS_REGIONS) {
                let ratio = contrast(*point, region, vision);
                assert!(
                    ratio >= 1.8,
                    "{vision:?}: {point:?} on {region:?} is {ratio:.2}:1"
                );
            }
        }
    }

    /// The old palette failed: a blue point on its blue region.
    #[test]
    fn the_old_blue_on_blue_fails_the_same_check() {
        let old_blue = Color32::from_rgb(0x3b, 0x4c, 0xc0);
        assert!(contrast(old_blue.gamma_multiply(0.9), old_blue, Vision::Typical) < 1.8);
    }
}
