//! Finding processes a test's commands left behind, as a user would with `ps`: the test gives
//! seedscope an environment variable of its own (`SUPERVISION_MARK=<unique>`), which every
//! process the commands start inherits; afterwards no live process may carry it.

use std::io::Read;
use std::time::{Duration, Instant};

/// A mark no other test (or earlier run of this one) carries.
pub fn mark(test: &str) -> String {
    format!("{test}-{}-{:?}", std::process::id(), Instant::now())
}

/// Live processes (not zombies) whose environment holds SUPERVISION_MARK=`mark`.
pub fn marked(mark: &str) -> Vec<u32> {
    let entry = format!("SUPERVISION_MARK={mark}");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let mut environment = Vec::new();
            std::fs::File::open(format!("/proc/{pid}/environ"))
                .and_then(|mut f| f.read_to_end(&mut environment))
                .is_ok()
                && environment
                    .split(|&b| b == 0)
                    .any(|item| item == entry.as_bytes())
        })
        .collect()
}

/// Waits (at most 10 s) for the marked processes to be gone; the ones left.
pub fn survivors(mark: &str) -> Vec<u32> {
    let started = Instant::now();
    loop {
        let left = marked(mark);
        if left.is_empty() || started.elapsed() > Duration::from_secs(10) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
