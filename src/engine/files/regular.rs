//! Only regular files, read with the limit enforced while reading.
//!
//! The size a file reports is not a limit: `/dev/zero` reports 0 bytes and never ends, and a
//! `/proc` file reports 0 and holds whatever the kernel generates. So: refuse anything that is
//! not a regular file before opening it (opening a FIFO would block until a writer comes),
//! refuse the pseudo file systems whose sizes are not real, open without blocking, check the
//! open handle again (the path may have been swapped in between), and stop reading one byte
//! past the limit.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Why a file was not read. The message names the path and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: is {what}, not a regular file; only ordinary files can be read")]
    NotRegular { path: String, what: &'static str },
    #[error(
        "{path}: is a {what} pseudo-file whose size is not real; only ordinary files can be read"
    )]
    PseudoFile { path: String, what: &'static str },
    #[error("{path}: is larger than {limit_text}; allowed: up to {limit_text}")]
    TooLarge { path: String, limit_text: String },
    #[error("{path}: is not UTF-8 text (invalid byte at {at}); expected a JSON file")]
    NotText { path: String, at: usize },
}

/// Reads the regular file at `path`, refusing it once it passes `limit` bytes.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let name = super::escape(&path.display().to_string());
    let (mut file, length) = open_regular_file(path, limit)?;
    let mut bytes = Vec::with_capacity(length as usize);
    file.read_to_end(&mut bytes)
        .map_err(|source| FileError::Io {
            path: name.clone(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: name,
            limit_text: size_text(limit),
        });
    }
    Ok(bytes)
}

/// Opens the regular file at `path` to be read as a stream (a results file is parsed as it
/// is read, never held whole), with its length. A file whose size is past `limit` is
/// refused before a byte is read (a sparse 4 GB file once made the reader allocate 8 GB to
/// find that out); the reader stops one byte past `limit` should the file grow meanwhile.
pub fn open_regular_file(path: &Path, limit: u64) -> Result<(std::io::Take<File>, u64), FileError> {
    let name = super::escape(&path.display().to_string());
    let io = |source| FileError::Io {
        path: name.clone(),
        source,
    };
    // stat follows symlinks: a link to a device is judged as the device.
    let before = std::fs::metadata(path).map_err(io)?;
    check_kind(&before, &name)?;
    check_file_system(path, &name)?;
    let file = open_without_blocking(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    check_kind(&opened, &name)?;
    if opened.len() > limit {
        return Err(FileError::TooLarge {
            path: name,
            limit_text: size_text(limit),
        });
    }
    Ok((file.take(limit.saturating_add(1)), opened.len()))
}

fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

fn check_kind(metadata: &Metadata, name: &str) -> Result<(), FileError> {
    match kind_name(&metadata.file_type()) {
        None => Ok(()),
        Some(what) => Err(FileError::NotRegular {
            path: name.to_string(),
            what,
        }),
    }
}

/// What a file that is not a regular file is, in words ("a folder", "a named pipe (FIFO)");
/// `None` for a regular file. Every refusal of a path by its kind says it this way.
pub fn kind_name(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    Some(if kind.is_file() {
        return None;
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a file"
    })
}

/// Refuses files on procfs, sysfs and their kin: regular by type, but generated on read.
fn check_file_system(path: &Path, name: &str) -> Result<(), FileError> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    for (prefix, what) in [("/proc", "/proc"), ("/sys", "/sys")] {
        if canonical.starts_with(prefix) {
            return Err(FileError::PseudoFile {
                path: name.to_string(),
                what,
            });
        }
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c_path) = std::ffi::CString::new(canonical.as_os_str().as_bytes()) else {
            return Ok(());
        };
        // SAFETY: a zeroed statfs is a valid out-struct for statfs to fill.
        let mut stats: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid NUL-terminated path and a zeroed out-struct of the right type.
        if unsafe { libc::statfs(c_path.as_ptr(), &mut stats) } == 0 {
            const PROC: i64 = 0x9fa0;
            const SYSFS: i64 = 0x6265_6572;
            const DEBUGFS: i64 = 0x6462_6720;
            const TRACEFS: i64 = 0x7472_6163;
            const SECURITYFS: i64 = 0x7365_6375;
            const CGROUP2: i64 = 0x6367_7270;
            let what = match stats.f_type as i64 {
                PROC => Some("procfs"),
                SYSFS => Some("sysfs"),
                DEBUGFS | TRACEFS => Some("debugfs"),
                SECURITYFS => Some("securityfs"),
                CGROUP2 => Some("cgroup"),
                _ => None,
            };
            if let Some(what) = what {
                return Err(FileError::PseudoFile {
                    path: name.to_string(),
                    what,
                });
            }
        }
    }
    Ok(())
}

fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_while_reading() {
        let dir = std::env::temp_dir().join(format!("seedscope-regular-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.csv");
        std::fs::write(&path, vec![b'a'; 101]).unwrap();
        assert!(matches!(
            read_regular_file(&path, 100),
            Err(FileError::TooLarge { .. })
        ));
        assert_eq!(read_regular_file(&path, 101).unwrap().len(), 101);
        assert!(matches!(
            read_regular_file(&dir, 100),
            Err(FileError::NotRegular { .. })
        ));
        // A sparse file far past the limit is refused by its size, before any reading.
        let sparse = dir.join("sparse.json");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(64 * 1024 * 1024 * 1024)
            .unwrap();
        assert!(matches!(
            open_regular_file(&sparse, 100),
            Err(FileError::TooLarge { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
