//! Why a command could not be started, told precisely. The OS answers a failed start with one
//! error number for several causes (ENOENT for a missing program, a deleted working folder and
//! a `#!` line naming a missing interpreter alike); a user needs to know which to fix.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::env::RunEnvironment;
use crate::engine::files::escape;

/// The reason `program` in `workdir` did not start with `error`, in words.
pub fn reason(
    program: &str,
    workdir: &Path,
    environment: &RunEnvironment,
    error: &std::io::Error,
) -> String {
    let folder = escape(&workdir.display().to_string());
    if !workdir.exists() {
        format!("its working folder {folder} no longer exists (command.workdir)")
    } else if !workdir.is_dir() {
        format!("its working folder {folder} is not a folder (command.workdir)")
    } else if !may(workdir, libc::X_OK) {
        format!("its working folder {folder} cannot be entered: permission denied")
    } else {
        match locate(program, workdir, environment.get("PATH")) {
            None => format!("not found (in {folder} or on PATH)"),
            Some(path) => match missing_interpreter(&path) {
                Some(interpreter) => format!(
                    "the interpreter its #! line names, {}, was not found",
                    escape(&interpreter)
                ),
                None if error.kind() == std::io::ErrorKind::PermissionDenied => {
                    "permission denied (is it executable?)".into()
                }
                None => error.to_string(),
            },
        }
    }
}

/// Whether this process may access `path` as `mode` asks (`access(2)`).
fn may(path: &Path, mode: libc::c_int) -> bool {
    let Ok(text) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `text` is a NUL-terminated string that lives for the call.
    unsafe { libc::access(text.as_ptr(), mode) == 0 }
}

/// Where the process would find `program`: from the working folder when it holds a `/`,
/// else on the command's PATH.
fn locate(program: &str, workdir: &Path, path_override: Option<&str>) -> Option<PathBuf> {
    if program.contains('/') {
        let candidate = workdir.join(program);
        return candidate.is_file().then_some(candidate);
    }
    let search = path_override
        .map(str::to_string)
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    std::env::split_paths(&search)
        .map(|folder| folder.join(program))
        .find(|candidate| candidate.is_file())
}

/// The interpreter a script's `#!` line names, when it does not exist.
fn missing_interpreter(script: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(script).ok()?.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = line.split(|&b| b == b'\n').next()?;
    let interpreter = String::from_utf8_lossy(line);
    let interpreter = interpreter.split_whitespace().next()?.to_string();
    (!Path::new(&interpreter).exists()).then_some(interpreter)
}
