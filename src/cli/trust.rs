//! A command from a file runs only once the user allowed it (docs/your-command.md, "What seedscope guarantees"; the engine's
//! `command::trust` says what is allowed). `run --config` and `replay` ask here before the
//! first run: allowed before (remembered in the run store) → go on; `--allow-command` → show it,
//! remember it, go on; a terminal → show it and ask; otherwise → show it and refuse, naming the
//! flag. A command typed on the command line never comes here.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use super::common::{Failure, StoreArgs, bad_input};
use crate::engine::command::CommandConfig;
use crate::engine::command::trust::{content_hash, describe};
use crate::records::store::RunStore;

/// Goes on only when the command `origin` holds may run (see the module's text).
pub(super) fn ensure_allowed(
    command: &CommandConfig,
    origin: &Path,
    allow_flag: bool,
    store: &StoreArgs,
) -> Result<(), Failure> {
    let hash = content_hash(command);
    // A store that cannot be opened remembers nothing: the command is asked about as if new.
    let mut remembered = store.path()?.and_then(|path| RunStore::open(&path).ok());
    if remembered
        .as_ref()
        .is_some_and(|s| s.is_allowed(&hash).unwrap_or(false))
    {
        return Ok(());
    }
    let shown = describe(command, &origin.display().to_string());
    eprint!("{shown}");
    let allowed = allow_flag || (interactive() && ask("Allow this command and run it? [y/N] "));
    if !allowed {
        return Err(bad_input(format!(
            "the command in {} has not been allowed: seedscope runs a command from a file only \
             after you have read it (above) and allowed it; pass --allow-command to allow \
             exactly this command (remembered in the run store)",
            crate::engine::files::escape(&origin.display().to_string())
        )));
    }
    match remembered.as_mut().map(|s| s.allow(&hash, &shown)) {
        Some(Ok(())) => {
            eprintln!("allowed (remembered in the run store: it will not be asked again)")
        }
        _ => eprintln!("allowed for this run (no run store to remember it in)"),
    }
    Ok(())
}

/// Both ends of the conversation are a person's terminal.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn ask(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
