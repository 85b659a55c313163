//! File dialogs that never block the window.
//!
//! rfd's dialog runs on its own thread (with zenity or a portal present it can wait forever,
//! ARCHITECTURE.md, "Facts"); the UI polls a channel. Where no dialog can be shown at all (no display
//! server or no portal/zenity), the picker says so at once and the caller falls back to a
//! default path and tells the user where the file went. Tests inject their own picker.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

/// What a save/open request asks the user for.
#[derive(Clone, Debug)]
pub struct FileRequest {
    pub title: String,
    pub default_name: String,
    pub filter_name: String,
    pub extensions: Vec<String>,
    pub save: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    Chosen(PathBuf),
    Cancelled,
    /// No dialog can be shown on this system.
    NoDialog,
}

pub trait PathPicker {
    /// Starts a request; the answer arrives on the returned channel.
    fn request(&self, request: FileRequest, wake: Box<dyn Fn() + Send>) -> Receiver<Picked>;
}

/// The native dialog through rfd, on a background thread.
pub struct NativePicker;

/// Whether a native dialog has any chance of appearing.
fn dialog_possible() -> bool {
    let display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file()));
    display && (portal || zenity) && std::env::var_os("CI").is_none()
}

impl PathPicker for NativePicker {
    fn request(&self, request: FileRequest, wake: Box<dyn Fn() + Send>) -> Receiver<Picked> {
        let (sender, receiver) = channel();
        if !dialog_possible() {
            let _ = sender.send(Picked::NoDialog);
            return receiver;
        }
        let answer = sender.clone();
        let spawned = super::task::spawn_named("file-dialog", move || {
            let dialog = rfd::AsyncFileDialog::new()
                .set_title(&request.title)
                .set_file_name(&request.default_name)
                .add_filter(&request.filter_name, &request.extensions);
            let chosen = if request.save {
                pollster::block_on(dialog.save_file())
            } else {
                pollster::block_on(dialog.pick_file())
            };
            let _ = sender.send(match chosen {
                Some(handle) => Picked::Chosen(handle.path().to_path_buf()),
                None => Picked::Cancelled,
            });
            wake();
        });
        if spawned.is_err() {
            // No thread for a dialog: save to the default path, as without a display.
            let _ = answer.send(Picked::NoDialog);
        }
        receiver
    }
}

/// `seedscope-<what>-YYYYMMDD-HHMMSS.<ext>` in the current folder (UTC time).
pub fn default_path(what: &str, extension: &str) -> PathBuf {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let time = seconds % 86_400;
    let name = format!(
        "seedscope-{what}-{year:04}{month:02}{day:02}-{:02}{:02}{:02}.{extension}",
        time / 3600,
        time / 60 % 60,
        time % 60
    );
    std::env::current_dir().unwrap_or_default().join(name)
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_413), (2025, 11, 21));
    }
}
