//! `seedscope helper python`: prints the helper a Python training script imports to read its
//! seeds and report its result (`assets/command/seedscope_run.py`, standard library only).

use clap::{Args, ValueEnum};

/// The helper's text, as the repository holds it.
pub const PYTHON_HELPER: &str = include_str!("../../assets/command/seedscope_run.py");

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Language {
    Python,
}

#[derive(Args, Debug)]
pub struct HelperArgs {
    /// The language of the helper (`seedscope helper python > seedscope_run.py`).
    #[arg(value_enum)]
    pub language: Language,
}

pub(super) fn run(args: HelperArgs) {
    match args.language {
        Language::Python => print!("{PYTHON_HELPER}"),
    }
}
