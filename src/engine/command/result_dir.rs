//! Where one run of a command writes its result: a folder of its own, gone with the run.
//!
//! The folder's name is random (`tempfile`) and it is private (0700): in a shared TMPDIR a
//! name built from the pid and a counter can be created in advance by another user, who would
//! then read or forge the run's result.

use std::path::Path;

/// A folder of its own for one run's result, removed with everything in it when dropped.
pub struct ResultDir(tempfile::TempDir);

impl ResultDir {
    pub fn new() -> std::io::Result<ResultDir> {
        use std::os::unix::fs::PermissionsExt;
        tempfile::Builder::new()
            .prefix("seedscope-run-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map(ResultDir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_result_folder_is_private_random_and_removed_with_the_run() {
        let (a, b) = (ResultDir::new().unwrap(), ResultDir::new().unwrap());
        assert_ne!(a.path(), b.path());
        let mode = a.path().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
