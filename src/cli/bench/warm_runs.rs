//! Warm against cold runs of the bundled Python examples (`bench --command-overhead`, issue
//! 47): the same runs through seedscope on one worker, cold (a fresh interpreter each, which
//! imports the script's libraries every time) and warm (`--warm`: a parent imports them once,
//! a fork per run), in alternating sweeps so that both meet the same machine.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use crate::engine::command::CommandConfig;
use crate::engine::config::ExperimentConfig;
use crate::engine::seeds::{Condition, Source};
use crate::engine::sweep::{SweepSpec, run_sweep};

/// A bundled example the bench can time: its folder under `examples/`, its command line, and
/// the module it cannot run without.
pub struct Example {
    pub name: &'static str,
    pub line: &'static str,
    pub needs: Option<&'static str>,
}

/// The examples `--example` accepts; the first two are timed by default.
pub const EXAMPLES: [Example; 3] = [
    Example {
        name: "pytorch-digits",
        line: "python3 train.py",
        needs: Some("torch"),
    },
    Example {
        name: "sklearn-digits",
        line: "python3 train.py",
        needs: Some("sklearn"),
    },
    Example {
        name: "python-stdlib",
        line: "python3 train.py",
        needs: None,
    },
];

/// Sweeps of each kind, alternating cold and warm.
const ROUNDS: usize = 2;

#[derive(Clone, Debug, Serialize)]
pub struct WarmAgainstCold {
    pub example: String,
    pub command: String,
    /// Why it was not timed (the example or its library is missing), or None.
    pub skipped: Option<String>,
    /// Runs per sweep; `ROUNDS` sweeps of each kind.
    pub runs_per_sweep: usize,
    pub sweeps_each: usize,
    /// The median run's wall time, cold.
    pub cold_ms_per_run: f64,
    /// The median run's wall time warm, the first run of each sweep left out: that one also
    /// waits for the parent's imports.
    pub warm_ms_per_run: f64,
    /// The median first run of a warm sweep: the parent's imports and one run.
    pub warm_first_run_ms: f64,
    /// Whole sweeps, summed over the rounds: what a user waits for, imports included.
    pub cold_sweep_s: f64,
    pub warm_sweep_s: f64,
}

impl WarmAgainstCold {
    fn skipped(example: &Example, reason: String) -> WarmAgainstCold {
        WarmAgainstCold {
            example: example.name.to_string(),
            command: example.line.to_string(),
            skipped: Some(reason),
            runs_per_sweep: 0,
            sweeps_each: 0,
            cold_ms_per_run: 0.0,
            warm_ms_per_run: 0.0,
            warm_first_run_ms: 0.0,
            cold_sweep_s: 0.0,
            warm_sweep_s: 0.0,
        }
    }
}

/// The example's folder: `examples/NAME` here, or in the source tree this binary was built
/// from.
fn folder_of(example: &Example) -> Option<PathBuf> {
    [
        PathBuf::from("examples"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
    ]
    .into_iter()
    .map(|examples| examples.join(example.name))
    .find(|folder| folder.join("train.py").is_file())
}

fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Times `runs` runs a sweep of `example`, cold and warm, `ROUNDS` sweeps each, on one
/// worker (so that a run's time is its own, not shared with a neighbour's).
pub fn warm_against_cold(example: &Example, runs: usize) -> Result<WarmAgainstCold, String> {
    let Some(folder) = folder_of(example) else {
        let reason = format!(
            "examples/{} is not here (run the bench from seedscope's source folder)",
            example.name
        );
        return Ok(WarmAgainstCold::skipped(example, reason));
    };
    if let Some(module) = example.needs.filter(|module| !python_has(module)) {
        let reason = format!("python3 cannot import {module}");
        return Ok(WarmAgainstCold::skipped(example, reason));
    }
    let command = CommandConfig::from_command_line(example.line)
        .and_then(|c| c.resolve(&folder))
        .map_err(|e| e.to_string())?;
    let mut config = ExperimentConfig::for_command(command);
    // Every run its own init seed, the rest fixed: one environment class, one parent.
    config.conditions = vec![Condition::only(Source::Init)];
    config.repeats = runs;
    let sweep = |warm: bool| -> Result<(Vec<f64>, f64), String> {
        let mut spec = SweepSpec::new(config.clone(), 1, 1);
        spec.warm = warm.then(Vec::new);
        let started = Instant::now();
        let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |_| {});
        let took = started.elapsed().as_secs_f64();
        if let Some(failed) = outcome.runs.iter().find_map(|r| r.error.clone()) {
            return Err(format!(
                "a run of examples/{} failed: {failed}",
                example.name
            ));
        }
        let mut runs = outcome.runs;
        runs.sort_by_key(|r| r.run_index);
        Ok((runs.iter().map(|r| r.wall_ms).collect(), took))
    };
    let (mut cold, mut warm, mut first) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cold_s, mut warm_s) = (0.0, 0.0);
    for _ in 0..ROUNDS {
        let (walls, took) = sweep(false)?;
        cold.extend(walls);
        cold_s += took;
        let (walls, took) = sweep(true)?;
        first.push(walls[0]);
        warm.extend_from_slice(&walls[1..]);
        warm_s += took;
    }
    Ok(WarmAgainstCold {
        example: example.name.to_string(),
        command: example.line.to_string(),
        skipped: None,
        runs_per_sweep: runs,
        sweeps_each: ROUNDS,
        cold_ms_per_run: median(cold),
        warm_ms_per_run: median(warm),
        warm_first_run_ms: median(first),
        cold_sweep_s: cold_s,
        warm_sweep_s: warm_s,
    })
}

/// The figures as the bench prints them.
pub fn print(timed: &WarmAgainstCold) {
    println!();
    println!(
        "examples/{} ({}), warm against cold",
        timed.example, timed.command
    );
    if let Some(reason) = &timed.skipped {
        println!("  not timed: {reason}");
        return;
    }
    println!(
        "  {} sweeps of {} runs each way, alternating, 1 worker",
        timed.sweeps_each, timed.runs_per_sweep
    );
    println!(
        "  cold, a run                {:>9.0} ms",
        timed.cold_ms_per_run
    );
    println!(
        "  warm, a run                {:>9.0} ms ({:.2} x cold)",
        timed.warm_ms_per_run,
        timed.warm_ms_per_run / timed.cold_ms_per_run
    );
    println!(
        "  warm, a sweep's first run  {:>9.0} ms (the parent's imports, once per worker)",
        timed.warm_first_run_ms
    );
    println!(
        "  whole sweeps               {:>9.1} s cold, {:.1} s warm ({:.2} x)",
        timed.cold_sweep_s,
        timed.warm_sweep_s,
        timed.warm_sweep_s / timed.cold_sweep_s
    );
}
