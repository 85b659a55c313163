//! Which files define a command's experiment (its inputs) and how they are read: only regular
//! files, hashed by streaming, never a file some run of a command wrote (an output). Resolution
//! (`command::CommandConfig::resolve`) takes its inputs from here; `engine::command::inputs`
//! watches them during a sweep and remembers the outputs it sees.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::engine::files::escape;

/// Files (absolute paths) a run of some command created or changed: outputs.
static OUTPUTS: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Remembers `path` (absolute) as an output: it will not be taken as an input again.
pub fn remember_output(path: PathBuf) {
    OUTPUTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashSet::new)
        .insert(path);
}

/// Every output known to this process.
pub fn known_outputs() -> Vec<PathBuf> {
    OUTPUTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|set| set.iter().cloned().collect())
        .unwrap_or_default()
}

/// Whether `path` (absolute) is a known output.
pub fn is_output(path: &Path) -> bool {
    OUTPUTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .is_some_and(|set| set.contains(path))
}

/// Why a file cannot be an input, when it cannot: only regular files are read (a FIFO would
/// block the sweep's start, `/dev/zero` never ends).
pub fn refuse_special(path: &Path) -> Result<(), String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    match crate::engine::files::kind_name(&metadata.file_type()) {
        None => Ok(()),
        Some(what) => Err(format!(
            "is {what}; an input is a regular file, read once when the sweep starts"
        )),
    }
}

/// SHA-256 of a file's content, read in chunks: a 2 GB data file costs 64 KB of memory.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        hasher.update(&chunk[..n]);
    }
    Ok(crate::engine::digest::hex(&hasher.finalize()))
}

/// The default inputs of a command: every argument that names a regular file in its folder,
/// except the files its runs are known to write.
pub fn default_inputs(argv: &[String], workdir: &Path) -> Vec<PathBuf> {
    argv.iter()
        .skip(1)
        .map(PathBuf::from)
        .filter(|p| {
            let path = workdir.join(p);
            path.is_file() && !is_output(&path)
        })
        .collect()
}

/// Hashes `inputs` (relative to `workdir`), refusing what is not a regular file.
pub fn hash_inputs(inputs: &[PathBuf], workdir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut hashes = BTreeMap::new();
    for input in inputs {
        let path = workdir.join(input);
        let shown = escape(&path.display().to_string());
        refuse_special(&path).map_err(|why| format!("{shown} {why}"))?;
        let hash = hash_file(&path).map_err(|e| format!("{shown} cannot be read: {e}"))?;
        hashes.insert(input.display().to_string(), hash);
    }
    Ok(hashes)
}
