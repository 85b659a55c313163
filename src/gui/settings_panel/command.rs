//! "Your command": train a command instead of the built-in model (docs/your-command.md). The panel takes
//! the command line, the folder it runs in and its time limit; the sources grid and the
//! conditions stay as they are, with the gpu source added.

use eframe::egui::{self, RichText};

use super::{RED, SettingsPanel};
use crate::engine::command::warm_pool::not_warmable;
use crate::engine::command::{CommandConfig, MAX_TIMEOUT_S};

/// What a run of the command is told, for the fields' hover text.
const CONTRACT: &str = "Each run gets one seed per source in SEEDSCOPE_SEED_DATA, _SPLIT, _INIT, \
    _DROPOUT and _SHUFFLE (the same in every run where the source is fixed), SEEDSCOPE_THREADS \
    and the OMP/MKL/OPENBLAS thread counts, SEEDSCOPE_DETERMINISTIC with the GPU switches, and \
    writes its result as JSON to SEEDSCOPE_RESULT: metric, value, higher_is_better; per test \
    example test_ids and test_errors; weights_hash. `seedscope helper python` prints a helper \
    that does both. No shell: write sh -c '…' for one.\n\nA script not written for seedscope takes \
    its seed as a flag: {seed} in the command line is its one seed (below 2^31; {seed:u64} for \
    64 bits), {seed.data}, {seed.split}, {seed.init}, {seed.dropout} and {seed.shuffle} are one \
    source's seed each, and {rundir} is a fresh, empty folder of the run's own (kept when the \
    run fails). Example: python3 train.py --seed {seed} --out {rundir}";

/// What the metric pattern reads, for its hover text.
const PATTERN_HELP: &str = "A regular expression matched against each line the command prints. \
    Name the number (?P<value>…), e.g. Loss: (?P<value>[0-9.e+-]+), or count an accuracy with \
    (?P<correct>\\d+)/(?P<total>\\d+). The last match is the result, every match in order the \
    run's curve; a number followed by % is read as a share. Try once shows which lines it matched.";

/// What warm start does, for its hover text.
const WARM_HELP: &str = "For `python3 script.py …`: per worker, a parent Python imports the \
    script's third-party libraries (torch, numpy, sklearn…) once and forks each run from it, \
    instead of every run importing them again. Each run still gets its own environment, \
    arguments, folder and process group, and the same bits as a cold run (tested); \
    NumPy's global generator is re-seeded from the OS as a fresh process would be. A parent \
    whose imports started CUDA cannot fork safely: those runs start cold and say why.";

const PRELOAD_HELP: &str = "Modules each warm parent imports once, comma-separated (e.g. \
    numpy,torch,torch._inductor), instead of the script's own top-level imports. A module the \
    script imports late (torch.use_deterministic_algorithms imports torch._inductor) is then \
    imported once too. Name only modules the script uses: each run starts with them imported.";

impl SettingsPanel<'_> {
    /// The choice between the built-in model and the user's command.
    pub(super) fn trained_by_row(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Train");
            let entry = &mut self.settings.command;
            ui.selectable_value(&mut entry.enabled, false, "Built-in model")
                .on_hover_text("seedscope's own small networks on drawn or real data sets.");
            ui.selectable_value(&mut entry.enabled, true, "Your command")
                .on_hover_text(format!(
                    "Any training command, run once per run under seedscope's control. {CONTRACT}"
                ));
        });
    }

    pub(super) fn command_section(&mut self, ui: &mut egui::Ui) {
        let entry = &mut self.settings.command;
        egui::Grid::new("command").num_columns(2).show(ui, |ui| {
            let label = ui.label("Command");
            ui.add(
                egui::TextEdit::singleline(&mut entry.line)
                    .hint_text("python3 train.py --epochs 5")
                    .desired_width(240.0),
            )
            .labelled_by(label.id)
            .on_hover_text(CONTRACT);
            ui.end_row();
            let label = ui.label("Folder");
            ui.add(
                egui::TextEdit::singleline(&mut entry.workdir)
                    .hint_text("(where seedscope started)")
                    .desired_width(240.0),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "Where the command runs. A relative folder is taken from the one seedscope was started in.",
            );
            ui.end_row();
            let label = ui.label("Time limit (s)");
            ui.add(
                egui::DragValue::new(&mut entry.timeout_s)
                    .range(1.0..=MAX_TIMEOUT_S)
                    .speed(10.0),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "A run that takes longer is ended with everything it started, and counted as failed.",
            );
            ui.end_row();
        });
        ui.checkbox(
            &mut entry.reads_output,
            "Read the metric from what it prints",
        )
        .on_hover_text(
            "For a script that prints its score instead of writing SEEDSCOPE_RESULT: \
                 seedscope reads it from the output with a pattern.",
        );
        if entry.reads_output {
            egui::Grid::new("command metric")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("Pattern");
                    ui.add(
                        egui::TextEdit::singleline(&mut entry.metric_pattern)
                            .hint_text("Loss: (?P<value>[0-9.e+-]+)")
                            .font(egui::TextStyle::Monospace)
                            .desired_width(240.0),
                    )
                    .labelled_by(label.id)
                    .on_hover_text(PATTERN_HELP);
                    ui.end_row();
                    let label = ui.label("Metric name");
                    ui.add(
                        egui::TextEdit::singleline(&mut entry.metric_name)
                            .hint_text("accuracy, test_loss, …")
                            .desired_width(240.0),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("The name the results show.");
                    ui.end_row();
                    ui.label("Better");
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut entry.metric_higher_is_better, true, "higher")
                            .on_hover_text("An accuracy or a score.");
                        ui.radio_value(&mut entry.metric_higher_is_better, false, "lower")
                            .on_hover_text("A loss or an error.");
                    });
                    ui.end_row();
                });
            ui.checkbox(&mut entry.fixed_test_set, "Same test points in every run")
                .on_hover_text(
                    "State it when every run scores the same test set: a correct/total count \
                     then bounds the test-set noise. Not for conditions that free the split \
                     or data, or the script's one seed.",
                );
        }

        ui.checkbox(&mut entry.warm, "Warm start (Python)")
            .on_hover_text(WARM_HELP);
        if entry.warm {
            ui.horizontal(|ui| {
                let label = ui.label("Preload");
                ui.add(
                    egui::TextEdit::singleline(&mut entry.preload)
                        .hint_text("the script's own imports")
                        .desired_width(220.0),
                )
                .labelled_by(label.id)
                .on_hover_text(PRELOAD_HELP);
            });
        }
        if entry.warm
            && let Some(reason) = CommandConfig::from_command_line(&entry.line)
                .ok()
                .and_then(|command| not_warmable(&command.argv))
        {
            let text = format!("Runs start cold: {reason}.");
            ui.add(egui::Label::new(RichText::new(text).weak()).wrap());
        }

        match entry.command() {
            Ok(command) => {
                let inputs: Vec<&String> = command.input_hashes.keys().collect();
                let text = if inputs.is_empty() {
                    "No input files among its arguments: only the command line keys its stored runs.".to_string()
                } else {
                    format!(
                        "Input files: {} (edit one and the runs are another experiment).",
                        inputs
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                ui.add(egui::Label::new(RichText::new(text).weak()).wrap());
            }
            Err(message) if !entry.line.trim().is_empty() => {
                ui.add(egui::Label::new(RichText::new(message).color(RED)).wrap());
            }
            Err(_) => {
                ui.add(
                    egui::Label::new(
                        RichText::new("Type the command that trains your model once.").weak(),
                    )
                    .wrap(),
                );
            }
        }
        let ready = self.settings.command.command().is_ok();
        if ui
            .add_enabled(ready, egui::Button::new("Try once"))
            .on_hover_text(
                "Run it once with every seed fixed and see the command as executed, its output \
                 with the lines the pattern matched, and the result it would record. Nothing \
                 is recorded.",
            )
            .clicked()
        {
            self.intend(super::Intent::TryOnce);
        }
    }
}
