//! `seedscope run … --try`: one run of the command, shown as it ran (docs/your-command.md,
//! "Try it once first"): the command line with its seeds filled in, the end of its output with
//! the lines the metric pattern matched marked `▶`, and the result it would record. Nothing
//! is written or stored.

use super::common::{Failure, bad_input, resolve_seed};
use crate::engine::command::interrupt;
use crate::engine::command::trial::{TrialError, try_once};
use crate::engine::config::ExperimentConfig;
use crate::engine::files::escape;

/// Lines of each stream shown.
const SHOWN_LINES: usize = 20;

pub fn run(config: &ExperimentConfig, seed: Option<u64>) -> Result<(), Failure> {
    let (master_seed, origin) = resolve_seed(seed).map_err(bad_input)?;
    let trial = match try_once(config, master_seed, &|| false) {
        Ok(trial) => trial,
        Err(TrialError::Cancelled) => {
            let code = interrupt::received().map_or(130, |(_, code)| code);
            return Err(Failure {
                code,
                message: "the try was interrupted; nothing was recorded".into(),
            });
        }
        Err(error) => return Err(bad_input(format!("--try: {error}"))),
    };
    println!(
        "try: one run ({}, run 0, master seed {master_seed} from {origin}); nothing is recorded",
        trial.condition
    );
    println!(
        "command, as executed in {}:",
        escape(&trial.workdir.display().to_string())
    );
    let argv: Vec<String> = trial.run.argv.iter().map(|a| escape(a)).collect();
    println!("  {}", argv.join(" "));
    let mut heading = "";
    for (stream, marked, line) in trial.shown_lines(SHOWN_LINES) {
        if heading != stream {
            heading = stream;
            let reads = match stream {
                "stdout" => trial.pattern_reads.0,
                _ => trial.pattern_reads.1,
            };
            let marks = if reads {
                ", ▶ where the metric pattern matched"
            } else {
                ""
            };
            println!("{stream} (last lines{marks}):");
        }
        println!("{} {line}", if marked { "▶" } else { " " });
    }
    let record = &trial.run.record;
    if let Some(error) = &record.error {
        return Err(Failure {
            code: 1,
            message: format!("the run failed, so a sweep would record nothing for it: {error}"),
        });
    }
    let value = record.final_test_metric.unwrap_or(f64::NAN);
    println!(
        "result: {} = {} ({} is better)",
        record.metric,
        crate::analysis::summary::format_value(Some(value)),
        if record.metric.higher_is_better() {
            "higher"
        } else {
            "lower"
        }
    );
    if record.test_metric.len() > 1 {
        println!(
            "curve: {} values, in the order printed",
            record.test_metric.len()
        );
    }
    println!(
        "it would be recorded with hash {} ({:.1} s); run without --try for the sweep",
        record.weights_hash,
        record.wall_ms / 1000.0
    );
    Ok(())
}
