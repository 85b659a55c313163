//! Saving a PNG of the plot area: ask the renderer for the frame, crop it to the plot's
//! rectangle, encode, write. The same path serves the Save snapshot button and
//! `seedscope gui --autorun --snapshot`.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use eframe::egui::{self, ColorImage};

/// Something that can deliver the next rendered frame. The app uses egui's screenshot
/// command; UI tests, which have no renderer, inject a frame of their own.
pub trait FrameCapture {
    fn request(&self, ctx: &egui::Context, deliver: Sender<Arc<ColorImage>>);
}

pub struct RendererCapture;

impl FrameCapture for RendererCapture {
    fn request(&self, ctx: &egui::Context, deliver: Sender<Arc<ColorImage>>) {
        let waker = ctx.clone();
        ctx.request_screenshot(move |image| {
            let _ = deliver.send(image);
            waker.request_repaint();
        });
    }
}

/// Crops `frame` to `rect` (in points) and writes it as a PNG. Returns the size in pixels.
pub fn write_png(
    frame: &ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
    path: &Path,
) -> Result<[usize; 2], String> {
    let screen = egui::Rect::from_min_size(
        egui::Pos2::ZERO,
        egui::vec2(frame.width() as f32, frame.height() as f32) / pixels_per_point,
    );
    let rect = rect.intersect(screen);
    if rect.width() < 1.0 || rect.height() < 1.0 {
        return Err("the plot is not visible; make the window larger".into());
    }
    let region = frame.region(&rect, Some(pixels_per_point));
    let [width, height] = region.size;
    let bytes: Vec<u8> = region.pixels.iter().flat_map(|c| c.to_array()).collect();
    let image = image::RgbaImage::from_raw(width as u32, height as u32, bytes)
        .ok_or("the captured frame has an unexpected size")?;
    let mut encoded = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut encoded),
            image::ImageFormat::Png,
        )
        .map_err(|e| format!("cannot encode PNG: {e}"))?;
    crate::records::write_atomically(path, &encoded)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok([width, height])
}
