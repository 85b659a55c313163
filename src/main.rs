//! Argument parsing only: the GUI, or a command of the engine's CLI.

use std::process::ExitCode;

use clap::Parser;
use seedscope::cli::{Cli, Command, GuiArgs};

fn main() -> ExitCode {
    // Before any other thread exists (see runtime::configure).
    seedscope::engine::runtime::configure();
    // `seedscope run … | head` should end quietly, as Unix tools do, not panic on EPIPE.
    #[cfg(unix)]
    // SAFETY: restoring the default action for SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Orphans of a user's command come back to seedscope, which ends them with their run
    // (engine::command::tree).
    seedscope::engine::command::tree::become_subreaper();
    let cli = Cli::parse();
    match cli.command {
        None => launch_gui(GuiArgs::default()),
        Some(Command::Gui(args)) => launch_gui(args),
        Some(command) => seedscope::cli::execute(command),
    }
}

#[cfg(feature = "gui")]
fn launch_gui(args: GuiArgs) -> ExitCode {
    // The command line's experiment and seed are checked before a window opens.
    let resolved = match args.resolve() {
        Ok(resolved) => resolved,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    seedscope::gui::launch(seedscope::gui::Launch {
        experiment: resolved.experiment,
        preset: resolved.preset,
        named: resolved.named,
        repeats: resolved.repeats,
        conditions: resolved.conditions,
        seed: resolved.seed,
        autorun: args.autorun,
        snapshot: args.snapshot,
        view: args.view,
        store: resolved.store,
        settings: args.settings,
        command_from: resolved.command_from,
        allow_command: args.allow_command,
        warm: args.command.warm(),
    })
}

#[cfg(not(feature = "gui"))]
fn launch_gui(_args: GuiArgs) -> ExitCode {
    eprintln!(
        "error: this build has no GUI (built without the `gui` feature); try `seedscope run --help`"
    );
    ExitCode::from(2)
}
