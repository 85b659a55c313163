//! A command's input files: fixed when a sweep starts (docs/your-command.md: the store key holds their
//! content hashes). Hashed by streaming, once; never a FIFO or a device (reading one blocks
//! or never ends); a file a run creates or changes is an output, never an input; and an input
//! that changes during a sweep stops it, with no run that overlapped the change kept.
//!
//! Which files a run wrote is remembered for the life of the process ([`known_outputs`]) and,
//! by the callers that have one, in the run store, so that `python3 writer.py --out model.out`
//! stays one experiment: `model.out`, absent at the first sweep and present at the second, is
//! not an input of the second.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::CommandConfig;
pub use crate::engine::config::inputs::{
    default_inputs, hash_file, hash_inputs, is_output, known_outputs, remember_output,
};
use crate::engine::files::escape;

/// What a file looked like: enough to see it was written without reading it again. (Not the
/// status-change time: a chmod or a new hard link changes no content.)
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    size: u64,
    modified_ns: i128,
    inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        size: m.len(),
        modified_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        inode: m.ino(),
    })
}

/// The inputs of a sweep as they were when it started, and the files its runs might write.
pub struct InputWatch {
    /// Inputs: absolute path, its name in `input_hashes`, and its stamp when the sweep
    /// started.
    inputs: Vec<(PathBuf, String, Option<Stamp>)>,
    /// Arguments that named no file when the sweep started: a file there later is an output.
    absent: Vec<PathBuf>,
}

/// What a look at the inputs after a run found.
#[derive(Debug, Default, PartialEq)]
pub struct Seen {
    /// Files that appeared where an argument pointed: outputs (remembered).
    pub created: Vec<PathBuf>,
    /// An input whose content is no longer what the sweep started with, in words.
    pub changed: Option<String>,
}

impl InputWatch {
    pub fn new(command: &CommandConfig) -> InputWatch {
        let folder = command.workdir.clone().unwrap_or_default();
        let inputs = command
            .input_hashes
            .keys()
            .map(|name| {
                let path = folder.join(name);
                let stamp = stamp(&path);
                (path, name.clone(), stamp)
            })
            .collect();
        let absent = command
            .argv
            .iter()
            .skip(1)
            .map(|word| folder.join(word))
            .filter(|path| !path.exists())
            .collect();
        InputWatch { inputs, absent }
    }

    /// Looks again: which absent files now exist, and whether an input was written since the
    /// sweep started. Written, not "holds other bytes": an edit reverted before this look
    /// may still have been read by a run in between, so a run that overlapped it is not kept.
    pub fn look(&self) -> Seen {
        let mut seen = Seen::default();
        for path in &self.absent {
            if path.is_file() && !is_output(path) {
                remember_output(path.clone());
                seen.created.push(path.clone());
            }
        }
        for (path, name, before) in &self.inputs {
            if stamp(path) != *before {
                seen.changed = Some(escape(name));
                break;
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("seedscope-inputs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_stream_hash_equals_the_whole_file_hash() {
        let dir = folder("hash");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("big.bin"), &bytes).unwrap();
        assert_eq!(
            hash_file(&dir.join("big.bin")).unwrap(),
            crate::engine::digest::sha256_hex(&bytes)
        );
    }

    #[test]
    fn a_fifo_or_a_device_is_refused_as_an_input() {
        let dir = folder("fifo");
        let fifo = dir.join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path that lives for the call.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let error = hash_inputs(&[PathBuf::from("fifo")], &dir).unwrap_err();
        assert!(error.contains("FIFO"), "{error}");
        let error = hash_inputs(&[PathBuf::from("/dev/zero")], &dir).unwrap_err();
        assert!(error.contains("device"), "{error}");
    }

    #[test]
    fn a_file_a_run_creates_is_an_output_and_an_edited_input_is_named() {
        let dir = folder("watch");
        std::fs::write(dir.join("train.py"), "print(1)\n").unwrap();
        let mut command =
            CommandConfig::from_command_line("python3 train.py --out model.out").unwrap();
        command.workdir = Some(dir.clone());
        command.input_hashes = hash_inputs(&default_inputs(&command.argv, &dir), &dir).unwrap();
        let watch = InputWatch::new(&command);
        assert_eq!(watch.look(), Seen::default());
        std::fs::write(dir.join("model.out"), "weights").unwrap();
        let seen = watch.look();
        assert_eq!(seen.created, [dir.join("model.out")]);
        assert!(
            default_inputs(&command.argv, &dir) == [PathBuf::from("train.py")],
            "model.out is an output now"
        );
        std::fs::write(dir.join("train.py"), "print(2)\n").unwrap();
        assert_eq!(watch.look().changed.as_deref(), Some("train.py"));
        // Edited back: a run may have read the edit in between, so it still counts.
        std::fs::write(dir.join("train.py"), "print(1)\n").unwrap();
        assert_eq!(watch.look().changed.as_deref(), Some("train.py"));
    }
}
