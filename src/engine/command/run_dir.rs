//! `{rundir}`: a fresh, empty folder of one run's own (docs/your-command.md). A script that
//! writes a fixed `-o out/` or `model.pt` would have parallel runs overwrite each other's files;
//! given `{rundir}`, each run writes into its own. The folder is removed after a good run and
//! kept after a failed one, whose message names it (the script's logs are the evidence).

use std::path::Path;

use super::CommandConfig;

/// The run's own folder, made only when the command asks for one.
pub struct RunDir(Option<tempfile::TempDir>);

impl RunDir {
    /// A folder when the command's arguments, environment or metric file name `{rundir}`.
    pub fn for_command(command: &CommandConfig) -> std::io::Result<RunDir> {
        let wanted = command.uses().run_dir
            || command
                .metric
                .as_ref()
                .is_some_and(|metric| metric.file_in_run_dir());
        if !wanted {
            return Ok(RunDir(None));
        }
        use std::os::unix::fs::PermissionsExt;
        tempfile::Builder::new()
            .prefix("seedscope-rundir-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map(|dir| RunDir(Some(dir)))
    }

    pub fn path(&self) -> Option<&Path> {
        self.0.as_ref().map(tempfile::TempDir::path)
    }

    /// The folder as `{rundir}` fills in (empty when the command takes none).
    pub fn text(&self) -> String {
        self.path()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// A failed run's message, with the folder kept for the user to look into.
    pub fn kept_for(self, message: String) -> String {
        match self.0 {
            None => message,
            Some(dir) => {
                let path = dir.keep();
                format!(
                    "{message}\n  the run's folder ({{rundir}}) is kept: {}",
                    crate::engine::files::escape(&path.display().to_string())
                )
            }
        }
    }
}
