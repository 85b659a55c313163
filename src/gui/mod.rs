//! The desktop app (placeholder until the GUI issue).
use std::process::ExitCode;

pub fn launch(_args: crate::cli::GuiArgs) -> ExitCode {
    ExitCode::SUCCESS
}
