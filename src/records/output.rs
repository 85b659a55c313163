//! Writing a file the user named, without destroying anything: an output is checked before
//! any training (so a sweep is never trained into a path that cannot take it), a regular
//! file is replaced all at once through a `.partial` beside it (removed on any failure or
//! stop signal), a device or pipe (`/dev/null`, `/dev/stdout` on a pipe) is written through
//! and never renamed over, a symbolic link keeps pointing where it did (its target is
//! replaced), and an output that is the same file as the run store, an input or the other
//! output is refused — compared as files, not as spellings.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::engine::files::PartialFile;

/// Where an output's bytes go, once checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputTarget {
    /// A regular file (or a new one) at this resolved path: written to `<path>.partial`,
    /// then renamed over it.
    Replace(PathBuf),
    /// A character device or a FIFO: opened and written in place, never replaced.
    WriteThrough(PathBuf),
}

impl OutputTarget {
    pub fn path(&self) -> &Path {
        match self {
            OutputTarget::Replace(path) | OutputTarget::WriteThrough(path) => path,
        }
    }
}

/// Why an output path was refused. Each message names the path and says what would work.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path} is a folder; name a file inside it, e.g. {}", suggestion(path))]
    Folder { path: String },
    #[error(
        "{path} is {what}; outputs go to ordinary files, character devices (/dev/null) or pipes"
    )]
    Unsupported { path: String, what: &'static str },
    #[error("{path} is a symbolic link to nothing ({target}); name the file itself")]
    DanglingLink { path: String, target: String },
    #[error("folder {folder} does not exist")]
    NoFolder { folder: String },
    #[error("{path} cannot be written: {source}")]
    NotWritable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is {other}; choose another file")]
    Collides { path: String, other: String },
}

fn suggestion(folder: &str) -> String {
    format!("{}/results.json", folder.trim_end_matches('/'))
}

/// Resolves `path` to where its bytes will go and proves it can be written (a `.partial`
/// created and removed beside a regular file; a device or pipe opened for writing), before
/// any work is done.
pub fn check_output(path: &Path) -> Result<OutputTarget, OutputError> {
    let target = resolve(path)?;
    probe(&target)?;
    Ok(target)
}

fn resolve(path: &Path) -> Result<OutputTarget, OutputError> {
    use std::os::unix::fs::FileTypeExt;
    let name = path.display().to_string();
    if name.ends_with('/') || path.file_name().is_none() {
        return Err(OutputError::Folder { path: name });
    }
    match std::fs::metadata(path) {
        Ok(metadata) => {
            let kind = metadata.file_type();
            if kind.is_dir() {
                Err(OutputError::Folder { path: name })
            } else if kind.is_file() {
                // Through any link: the link stays, the file it names is replaced.
                let resolved = std::fs::canonicalize(path)
                    .map_err(|source| OutputError::NotWritable { path: name, source })?;
                Ok(OutputTarget::Replace(resolved))
            } else if kind.is_char_device() || kind.is_fifo() {
                Ok(OutputTarget::WriteThrough(path.to_path_buf()))
            } else {
                let what = crate::engine::files::kind_name(&kind).unwrap_or("not a file");
                Err(OutputError::Unsupported { path: name, what })
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Ok(target) = std::fs::read_link(path) {
                return Err(OutputError::DanglingLink {
                    path: name,
                    target: target.display().to_string(),
                });
            }
            let parent = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            if !parent.is_dir() {
                return Err(OutputError::NoFolder {
                    folder: parent.display().to_string(),
                });
            }
            let folder = std::fs::canonicalize(parent)
                .map_err(|source| OutputError::NotWritable { path: name, source })?;
            Ok(OutputTarget::Replace(
                folder.join(path.file_name().expect("checked above")),
            ))
        }
        Err(source) => Err(OutputError::NotWritable { path: name, source }),
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    PathBuf::from(temporary)
}

fn probe(target: &OutputTarget) -> Result<(), OutputError> {
    let not_writable = |path: &Path, source| OutputError::NotWritable {
        path: path.display().to_string(),
        source,
    };
    match target {
        OutputTarget::Replace(path) => {
            let temporary = partial_path(path);
            let _guard = PartialFile::register(&temporary);
            std::fs::File::create(&temporary).map_err(|e| not_writable(&temporary, e))?;
            let _ = std::fs::remove_file(&temporary);
            Ok(())
        }
        OutputTarget::WriteThrough(path) => match open_in_place(path, true) {
            Ok(_) => Ok(()),
            // A FIFO with no reader yet: writable, the reader comes later.
            Err(error) if error.raw_os_error() == Some(libc::ENXIO) => Ok(()),
            Err(error) => Err(not_writable(path, error)),
        },
    }
}

fn open_in_place(path: &Path, probing: bool) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = if probing { libc::O_NONBLOCK } else { 0 };
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(flags | libc::O_NOCTTY)
        .open(path)
}

/// The identity of a file for "is this the same file": device and inode when it exists
/// (hard links and links of links agree), else its resolved folder and name.
fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    if let Ok(metadata) = std::fs::metadata(path) {
        return Some(Identity::Inode(metadata.dev(), metadata.ino()));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let folder = std::fs::canonicalize(folder).ok()?;
    Some(Identity::Path(folder.join(path.file_name()?)))
}

#[derive(PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    Path(PathBuf),
}

/// Whether `a` and `b` name the same file (after resolving links, `..` and spelling).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (identity(a), identity(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Refuses an output that is the same file as something the command reads or keeps:
/// `others` are (what it is in words, its path), e.g. ("the run store", …).
pub fn check_distinct(output: &Path, others: &[(String, PathBuf)]) -> Result<(), OutputError> {
    // A device written through (/dev/null twice) destroys nothing.
    if matches!(resolve(output), Ok(OutputTarget::WriteThrough(_))) {
        return Ok(());
    }
    for (what, other) in others {
        if same_file(output, other) {
            return Err(OutputError::Collides {
                path: output.display().to_string(),
                other: what.clone(),
            });
        }
    }
    Ok(())
}

/// Writes `target`'s contents with `write`: a regular file all or nothing (the `.partial`
/// removed on any failure, and by a stop signal), a device or pipe in place.
pub fn write_output(
    target: &OutputTarget,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match target {
        OutputTarget::WriteThrough(path) => {
            let mut file = std::io::BufWriter::new(open_in_place(path, false)?);
            write(&mut file)?;
            file.flush()
        }
        OutputTarget::Replace(path) => {
            let temporary = partial_path(path);
            let guard = PartialFile::register(&temporary);
            let written = (|| {
                let mut file = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
                write(&mut file)?;
                file.into_inner().map_err(|e| e.into_error())?.sync_data()?;
                // Something may have taken the path since it was checked: replace only a
                // regular file (or nothing).
                if let Ok(now) = std::fs::symlink_metadata(path)
                    && !now.file_type().is_file()
                {
                    return Err(std::io::Error::other(format!(
                        "{} is no longer a regular file; not replaced",
                        path.display()
                    )));
                }
                std::fs::rename(&temporary, path)
            })();
            if written.is_err() {
                let _ = std::fs::remove_file(&temporary);
            }
            drop(guard);
            written
        }
    }
}

/// Writes `contents` to `path` (checked as [`check_output`] does), all or nothing.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, |file| file.write_all(contents))
}

/// As [`write_atomically`], with the contents written by `write` as they are made (a results
/// file of 100,000 runs is 0.8 GB of JSON: made as one string first, it doubled the memory).
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = resolve(path).map_err(std::io::Error::other)?;
    write_output(&target, write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("seedscope-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_link_keeps_pointing_at_its_file_which_is_replaced() {
        let dir = dir("link");
        let file = dir.join("real.json");
        std::fs::write(&file, "old").unwrap();
        let link = dir.join("link.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_no_partial_and_the_old_file_whole() {
        let dir = dir("fail");
        let file = dir.join("out.json");
        std::fs::write(&file, "old").unwrap();
        let result = write_atomically_with(&file, |out| {
            out.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert!(!dir.join("out.json.partial").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn same_file_sees_through_spelling_links_and_hard_links() {
        let dir = dir("same");
        let file = dir.join("a.json");
        std::fs::write(&file, "x").unwrap();
        let spelled = dir.join(".").join("sub").join("..").join("a.json");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        assert!(same_file(&file, &spelled));
        std::fs::hard_link(&file, dir.join("hard.json")).unwrap();
        assert!(same_file(&file, &dir.join("hard.json")));
        assert!(!same_file(&file, &dir.join("b.json")));
        // Two spellings of one file that does not exist yet.
        assert!(same_file(&dir.join("new.csv"), &dir.join("sub/../new.csv")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
