//! Warm parents kept for a sweep (issue 47): one per environment class a run needs, each
//! serving one run at a time, so a worker takes a parent, runs, and gives it back.
//!
//! An environment class is everything in a run's environment but what changes from run to
//! run and is read only once the script runs (the seeds, the run's name, its result file,
//! its token). Anything else a library may read at import (thread counts,
//! CUBLAS_WORKSPACE_CONFIG, CUDA_VISIBLE_DEVICES, PYTHONHASHSEED, a user's own variables)
//! picks the parent, so a child never inherits an import made under another environment.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use super::warm_parent::{Preload, WarmError, WarmParent};

/// The variables that differ between runs of one class and are read only by the running
/// script (through the helper), never at import.
const PER_RUN_PREFIXES: [&str; 1] = ["SEEDSCOPE_SEED_"];
const PER_RUN_NAMES: [&str; 3] = ["SEEDSCOPE_RUN", "SEEDSCOPE_RESULT", "SEEDSCOPE_RUN_TOKEN"];

/// A run's environment less its per-run variables: which parent may fork it.
pub fn environment_class(variables: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    variables
        .iter()
        .filter(|(name, _)| {
            !PER_RUN_NAMES.contains(&name.as_str())
                && !PER_RUN_PREFIXES.iter().any(|p| name.starts_with(p))
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The modules a comma-separated list names (`--preload torch,numpy`, the app's Preload
/// field), blanks dropped: what a warm parent imports instead of the script's own imports.
pub fn preload_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Why a command line cannot run warm, or None when it is `python… script.py ARGS…`.
pub fn not_warmable(argv: &[String]) -> Option<String> {
    let interpreter = argv
        .first()
        .and_then(|program| Path::new(program).file_name())
        .and_then(|name| name.to_str())
        .unwrap_or("");
    let is_python = interpreter
        .strip_prefix("python")
        .is_some_and(|version| version.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if !is_python {
        return Some(format!(
            "warm start runs Python scripts (`python3 script.py …`), not `{interpreter}`"
        ));
    }
    match argv.get(1) {
        Some(script) if !script.starts_with('-') => None,
        Some(option) => Some(format!(
            "warm start runs a script file; `{option}` is an interpreter option (use `python3 script.py …`)"
        )),
        None => Some("warm start needs a script to run (`python3 script.py …`)".into()),
    }
}

/// The parents of one sweep, idle ones by interpreter and class.
pub struct WarmPool {
    preload: Vec<String>,
    idle: Mutex<Vec<(Key, WarmParent)>>,
    /// Why runs went cold, to be said once (taken by [`Self::take_cold_note`]).
    cold: Mutex<(Option<String>, bool)>,
    /// The interpreters and classes whose parent could not start: their runs go cold at
    /// once, instead of paying the imports again in a parent that will refuse them.
    refused: Mutex<Vec<Key>>,
    /// Parents started, for the tests.
    started: std::sync::atomic::AtomicUsize,
}

/// A parent lent to one run, given back to the pool when dropped.
pub struct Lease<'a> {
    pool: &'a WarmPool,
    key: Option<Key>,
    parent: Option<WarmParent>,
}

impl Lease<'_> {
    pub fn parent(&self) -> &WarmParent {
        self.parent.as_ref().expect("held until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let (Some((python, class)), Some(parent)) = (self.key.take(), self.parent.take()) {
            self.pool.give_back((&python, class), parent);
        }
    }
}

/// Which runs a parent may fork: its interpreter and its environment class.
type Key = (String, BTreeMap<String, String>);

impl WarmPool {
    /// A pool whose parents preload `preload` (empty: the script's own imports).
    pub fn new(preload: Vec<String>) -> WarmPool {
        WarmPool {
            preload,
            idle: Mutex::new(Vec::new()),
            cold: Mutex::new((None, false)),
            refused: Mutex::new(Vec::new()),
            started: Default::default(),
        }
    }

    /// A parent for this run (`argv` in `workdir` with `variables`), or None when it must
    /// run cold, the reason kept for [`Self::take_cold_note`].
    pub fn lease(
        &self,
        argv: &[String],
        workdir: &Path,
        variables: &BTreeMap<String, String>,
    ) -> Option<Lease<'_>> {
        let refused = |reason: String| {
            let mut cold = self.cold.lock().unwrap_or_else(|e| e.into_inner());
            if cold.0.is_none() && !cold.1 {
                cold.0 = Some(reason);
            }
            None
        };
        if let Some(reason) = not_warmable(argv) {
            return refused(reason);
        }
        let key = (argv[0].clone(), environment_class(variables));
        let refused_before = || {
            let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
            refused.contains(&key)
        };
        if refused_before() {
            return None;
        }
        let script = workdir.join(&argv[1]);
        match self.take((&key.0, &key.1), &script) {
            Ok(parent) => Some(Lease {
                pool: self,
                key: Some(key),
                parent: Some(parent),
            }),
            Err(error) => {
                self.refused
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(key);
                refused(format!("{error}; the runs start cold"))
            }
        }
    }

    /// Parents started so far.
    pub fn parents_started(&self) -> usize {
        self.started.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Why runs went cold, once: None before any did, and after it was taken.
    pub fn take_cold_note(&self) -> Option<String> {
        let mut cold = self.cold.lock().unwrap_or_else(|e| e.into_inner());
        let note = cold.0.take();
        if note.is_some() {
            cold.1 = true;
        }
        note
    }

    /// An idle, living parent of `python` and `class`, or a new one started for `script`.
    pub fn take(
        &self,
        (python, class): (&str, &BTreeMap<String, String>),
        script: &Path,
    ) -> Result<WarmParent, WarmError> {
        loop {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            let Some(at) = idle
                .iter()
                .position(|((p, c), _)| p == python && c == class)
            else {
                break;
            };
            let mut parent = idle.swap_remove(at).1;
            drop(idle);
            if parent.alive() {
                return Ok(parent);
            }
        }
        let preload = if self.preload.is_empty() {
            Preload::ImportsOf(script)
        } else {
            Preload::Modules(&self.preload)
        };
        self.started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        WarmParent::start(python, class, preload)
    }

    /// Returns a parent after its run, for the next run of its interpreter and class.
    pub fn give_back(&self, (python, class): (&str, BTreeMap<String, String>), parent: WarmParent) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(((python.to_string(), class), parent));
    }

    /// Parents idle now.
    pub fn idle(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn python_scripts_are_warmable_and_nothing_else() {
        assert_eq!(
            not_warmable(&strings(&["python3", "train.py", "--seed", "1"])),
            None
        );
        assert_eq!(
            not_warmable(&strings(&["/usr/bin/python3.11", "t.py"])),
            None
        );
        assert_eq!(not_warmable(&strings(&["python", "t.py"])), None);
        assert!(
            not_warmable(&strings(&["python3", "-m", "pkg"]))
                .unwrap()
                .contains("`-m`")
        );
        assert!(
            not_warmable(&strings(&["sh", "run.sh"]))
                .unwrap()
                .contains("`sh`")
        );
        assert!(not_warmable(&strings(&["pythonista", "t.py"])).is_some());
        assert!(not_warmable(&strings(&["python3"])).is_some());
    }

    #[test]
    fn the_class_drops_only_the_per_run_variables() {
        let run = |seed: &str, threads: &str| -> BTreeMap<String, String> {
            [
                ("SEEDSCOPE_SEED_INIT", seed),
                ("SEEDSCOPE_RUN", seed),
                ("SEEDSCOPE_RESULT", seed),
                ("OMP_NUM_THREADS", threads),
                ("PYTHONHASHSEED", "0"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        assert_eq!(
            environment_class(&run("1", "1")),
            environment_class(&run("2", "1"))
        );
        assert_ne!(
            environment_class(&run("1", "1")),
            environment_class(&run("1", "4"))
        );
        assert_eq!(
            environment_class(&run("1", "1")).keys().collect::<Vec<_>>(),
            ["OMP_NUM_THREADS", "PYTHONHASHSEED"]
        );
    }

    /// A parent given back serves the next run of its class; another class starts its own.
    #[test]
    fn a_parent_is_reused_within_its_class_only() {
        let folder = tempfile::tempdir().unwrap();
        let script = folder.path().join("s.py");
        std::fs::write(&script, "print('hi')\n").unwrap();
        let pool = WarmPool::new(Vec::new());
        let base: BTreeMap<String, String> = std::env::vars().collect();
        let mut one = environment_class(&base);
        one.insert("OMP_NUM_THREADS".into(), "1".into());
        let mut four = one.clone();
        four.insert("OMP_NUM_THREADS".into(), "4".into());
        let first = pool.take(("python3", &one), &script).unwrap();
        let first_pid = first.pid();
        pool.give_back(("python3", one.clone()), first);
        let mut again = pool.take(("python3", &one), &script).unwrap();
        assert_eq!(
            again.pid(),
            first_pid,
            "the idle parent of the class is reused"
        );
        let other = pool.take(("python3", &four), &script).unwrap();
        assert_ne!(
            other.pid(),
            first_pid,
            "another class gets a parent of its own"
        );
        pool.give_back(("python3", four), other);
        assert_eq!(pool.idle(), 1);
        // A parent that died is not handed out again.
        again.kill_for_test();
        pool.give_back(("python3", one.clone()), again);
        let fresh = pool.take(("python3", &one), &script).unwrap();
        assert_ne!(fresh.pid(), first_pid, "a dead parent is replaced");
    }

    /// A parent that could not start (its preload failed) is not started again for every
    /// run of its class: the later runs go cold at once, and the reason is said once.
    #[test]
    fn a_class_whose_parent_failed_goes_cold_without_starting_another() {
        let folder = tempfile::tempdir().unwrap();
        let script = folder.path().join("s.py");
        std::fs::write(&script, "print('hi')\n").unwrap();
        let pool = WarmPool::new(strings(&["no_such_module_for_seedscope"]));
        let variables: BTreeMap<String, String> = std::env::vars().collect();
        let argv = strings(&["python3", "s.py"]);
        for _ in 0..3 {
            assert!(pool.lease(&argv, folder.path(), &variables).is_none());
        }
        assert_eq!(pool.parents_started(), 1);
        let note = pool.take_cold_note().unwrap();
        assert!(note.contains("no_such_module_for_seedscope"), "{note}");
        assert_eq!(pool.take_cold_note(), None);
    }
}
