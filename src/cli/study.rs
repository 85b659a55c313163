//! `seedscope run --vary FIELD=V1,V2`: a settings study. Every setting is the experiment with
//! the field set (or the command's `{FIELD}` filled), swept under one master seed, so run r of
//! each draws the same per-source seeds; the reading pairs them run by run
//! (`analysis::settings_reading`) and one file holds it all (`records::study_file`).

use super::common::{Failure, bad_input, check_outputs, kept_files, resolve_seed};
use super::run::RunArgs;
use super::run_sweep::{SweepOptions, Swept, sweep_experiment};
use crate::analysis::settings_reading::StudyReading;
use crate::analysis::words::count_of;
use crate::engine::command::interrupt;
use crate::engine::config::ExperimentConfig;
use crate::engine::study::{StudyError, Vary, fill_placeholder, grid, with_field};
use crate::records::study_file::{StudyFile, StudySetting};

pub(super) fn run(args: &RunArgs) -> Result<(), Failure> {
    let vary: Vec<Vary> = args
        .vary
        .iter()
        .map(|text| text.parse())
        .collect::<Result<_, StudyError>>()
        .map_err(bad_input)?;
    let settings = grid(&vary).map_err(bad_input)?;
    let configs: Vec<ExperimentConfig> = settings
        .iter()
        .map(|setting| setting_config(args, &vary, &setting.values))
        .collect::<Result<_, Failure>>()?;
    if configs.iter().any(|c| c.command.is_some()) && args.experiment.config.is_some() {
        return Err(bad_input(
            "--vary: a study of a command takes it from --command (its {FIELD} filled per \
             setting), not from an experiment file",
        ));
    }
    let out = args.out.clone().expect("clap requires --out without --try");
    let store = args.store.path()?;
    if args.format.for_path(&out) == crate::records::ResultsFormat::Parquet {
        return Err(bad_input(
            "--format parquet: a settings study is written as JSON (its readings are not one \
             row per run); write each setting's runs as Parquet with `run --format parquet`"
                .to_string(),
        ));
    }
    let outputs = check_outputs(
        &out,
        &Default::default(),
        None,
        &kept_files(store.as_deref(), &[]),
    )?;
    let (master_seed, origin) = resolve_seed(args.seed).map_err(bad_input)?;
    println!("master seed: {master_seed} (from {origin}), the same for every setting");
    let workers = args
        .workers
        .unwrap_or_else(crate::engine::sweep::default_workers);
    super::common::check_workers(workers)?;
    let options = SweepOptions {
        store: &args.store,
        quiet: args.quiet,
        typed_command: args.command.command.is_some(),
        warm: args.command.warm(),
    };
    let mut swept = Vec::new();
    let count = settings.len();
    for (number, (setting, config)) in settings.into_iter().zip(configs).enumerate() {
        println!("setting {} of {count}: {}", number + 1, setting.label);
        // The previous sweep handed the signals back; this one takes them again.
        interrupt::install();
        let Swept {
            results, keeper, ..
        } = sweep_experiment(
            &options,
            config,
            (master_seed, origin),
            None,
            None,
            (workers, Vec::new()),
        )?;
        keeper.report_lost();
        print!("{}", super::run_table::summary_table(&results));
        swept.push(StudySetting { setting, results });
    }
    let study = StudyFile::new(vary, master_seed, swept);
    let metric = study.metric();
    for reading in &study.readings {
        print!("{}", reading_text(reading, metric.as_ref()));
    }
    let (path, target) = &outputs.out;
    crate::records::output::write_output(target, |file| {
        serde_json::to_writer_pretty(file, &study).map_err(std::io::Error::other)
    })
    .map_err(|e| Failure {
        code: 1,
        message: format!("--out: cannot write {}: {e}", path.display()),
    })?;
    println!("study: {}", path.display());
    Ok(())
}

/// The experiment of one setting: the field set by its path, or the command's `{FIELD}`
/// filled before the command line is read.
fn setting_config(
    args: &RunArgs,
    vary: &[Vary],
    values: &std::collections::BTreeMap<String, String>,
) -> Result<ExperimentConfig, Failure> {
    let mut command = args.command.clone();
    if let Some(line) = &args.command.command {
        let mut filled = line.clone();
        for v in vary {
            filled = fill_placeholder(&filled, &v.field, &values[&v.field]).ok_or_else(|| {
                bad_input(StudyError::NoPlaceholder {
                    field: v.field.clone(),
                })
            })?;
        }
        command.command = Some(filled);
        return super::experiment::experiment_of(&args.experiment, &command, &args.sweep);
    }
    let mut config =
        super::experiment::experiment_of(&args.experiment, &args.command, &args.sweep)?;
    for v in vary {
        config = with_field(&config, &v.field, &values[&v.field]).map_err(bad_input)?;
    }
    Ok(config)
}

/// A condition's reading as the terminal shows it.
pub fn reading_text(
    reading: &StudyReading,
    metric: Option<&crate::engine::metric::Metric>,
) -> String {
    let mut text = format!("\n{} across the settings:\n", reading.condition);
    for s in &reading.settings {
        let ci = |c: Option<(f64, f64)>| c.map_or("-".into(), |(l, h)| format!("[{l:.4}, {h:.4}]"));
        text.push_str(&format!(
            "  {:<28} {}  mean {:.4} {}  IQM {:.4} {}\n",
            s.label,
            count_of(s.runs, "run"),
            s.mean,
            ci(s.mean_ci),
            s.iqm,
            ci(s.iqm_ci)
        ));
    }
    if let Some((test, statistic, p)) = &reading.overall {
        text.push_str(&format!("  {test}: statistic {statistic:.3}, p = {p:.4}\n"));
    }
    for pair in &reading.pairs {
        text.push_str(&format!("  {}\n", pair.verdict));
        if let (Some(noise), Some(metric)) = (&pair.test_set_noise, metric) {
            text.push_str(&format!(
                "    {}\n",
                crate::analysis::noise_reading::difference_noise_line(noise, metric)
            ));
        }
        if let (Some(n), true) = (pair.narrower, pair.paired) {
            // The seeds' luck carries over between settings only where their runs correlate.
            let how = if (0.9..=1.1).contains(&n) {
                "about as wide as".to_string()
            } else if n > 1.0 {
                format!("{n:.1}× narrower than")
            } else {
                format!("{:.1}× wider than", 1.0 / n)
            };
            text.push_str(&format!(
                "    common seeds: the paired interval is {how} the unpaired one on the same runs\n"
            ));
        }
    }
    text
}
