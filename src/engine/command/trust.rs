//! Trust before a command from a file runs (docs/your-command.md, "What seedscope guarantees"). An experiment, results or shard
//! file can name any program with any environment: opening a file someone sent must not run
//! code nobody looked at. Like `direnv allow`, a command from a file runs once the user has
//! seen it whole and allowed that exact content; the content's hash is remembered (in the run
//! store), so changing one byte of argv, folder or environment asks again. A command the user
//! typed is theirs and needs no prompt.

use serde::Serialize;

use super::CommandConfig;
use crate::engine::files::escape;

/// Environment variables that change what an interpreter or the loader runs before the
/// command's own code: `PYTHONPATH=evil` with a `sitecustomize.py`, `BASH_ENV=./evil.sh`,
/// `LD_PRELOAD`. They are flagged when a command is shown.
pub const LOADER_VARIABLES: [&str; 22] = [
    "PATH",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONINSPECT",
    "PYTHONEXECUTABLE",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PERL5OPT",
    "PERL5LIB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
];

/// What a described environment entry that changes what gets loaded ends with.
pub const LOADS_CODE_MARK: &str = "<- changes what the program loads before its own code";

/// What is allowed: the content that decides what runs.
#[derive(Serialize)]
struct Content<'a> {
    argv: &'a [String],
    workdir: Option<&'a std::path::Path>,
    env: &'a std::collections::BTreeMap<String, String>,
}

/// The hash a user allows: SHA-256 over argv, the resolved working folder and every env
/// entry (a BTreeMap: one order). Input files' contents are not in it: editing `train.py` is
/// the user's own work, and the store keys it apart anyway.
pub fn content_hash(command: &CommandConfig) -> String {
    let content = Content {
        argv: &command.argv,
        workdir: command.workdir.as_deref(),
        env: &command.env,
    };
    let json = serde_json::to_vec(&content).expect("a command serialises");
    crate::engine::digest::sha256_hex(&json)
}

/// Whether `name` changes what an interpreter or the loader runs.
pub fn loads_code(name: &str) -> bool {
    LOADER_VARIABLES.contains(&name) || name.starts_with("LD_") || name.starts_with("DYLD_")
}

/// The command whole, for a prompt, a refusal or a dialog: every argument, the folder, every
/// environment entry, the ones that change what gets loaded marked. Control characters are
/// escaped (a file's text never moves the terminal's cursor).
pub fn describe(command: &CommandConfig, origin: &str) -> String {
    let mut text = format!("the command in {}:\n", escape(origin));
    text.push_str(&format!("  runs:    {}\n", escape(&command.display_line())));
    for (i, argument) in command.argv.iter().enumerate() {
        text.push_str(&format!("           argv[{i}] = {}\n", escape(argument)));
    }
    let folder = command
        .workdir
        .as_ref()
        .map_or("(the current folder)".to_string(), |dir| {
            escape(&dir.display().to_string())
        });
    text.push_str(&format!("  in:      {folder}\n"));
    if command.env.is_empty() {
        text.push_str("  env:     (nothing added)\n");
    }
    for (name, value) in &command.env {
        let mark = if loads_code(name) {
            format!("   {LOADS_CODE_MARK}")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  env:     {}={}{mark}\n",
            escape(name),
            escape(value)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_of_argv_folder_or_environment_changes_what_is_allowed() {
        let command = CommandConfig::from_command_line("python3 train.py").unwrap();
        let hash = content_hash(&command);
        let mut other = command.clone();
        other.argv[1] = "train2.py".into();
        assert_ne!(content_hash(&other), hash);
        let mut other = command.clone();
        other.workdir = Some("/tmp".into());
        assert_ne!(content_hash(&other), hash);
        let mut other = command.clone();
        other.env.insert("PYTHONPATH".into(), "evil".into());
        assert_ne!(content_hash(&other), hash);
        let mut same = command.clone();
        same.timeout_s = 5.0;
        assert_eq!(content_hash(&same), hash, "a time limit runs no code");
    }

    #[test]
    fn a_description_shows_every_argument_and_marks_what_loads_code() {
        let mut command =
            CommandConfig::from_command_line("sh -c 'touch MARK; echo \u{1b}[2J'").unwrap();
        command.env.insert("BASH_ENV".into(), "./evil.sh".into());
        command.env.insert("EPOCHS".into(), "3".into());
        let text = describe(&command, "received.json");
        assert!(
            text.contains("argv[2] = touch MARK; echo \\u{1b}[2J"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
        let line = |name: &str| text.lines().find(|l| l.contains(name)).unwrap().to_string();
        assert!(line("BASH_ENV").contains("changes what the program loads"));
        assert!(!line("EPOCHS").contains("changes"));
    }
}
