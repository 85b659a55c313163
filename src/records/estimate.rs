//! What a sweep will cost before it starts: its results file's size, the memory its runs and
//! its workers hold, so `run` can say so and refuse what could never be read back or held
//! (a 10,000-run × 10,000-epoch sweep trained for ten minutes and wrote 4.4 GB that no
//! reader would open).
//!
//! The file size is measured, not guessed: one record with this experiment's vector lengths
//! (epochs, test rows, outputs, the decision grid) is serialised exactly as the results file
//! writes it, and counted. Values are given typical widths (17 significant digits for a
//! loss, 14 characters for a test metric, 9 digits for f32), so the figure is within a few
//! percent of a real file (a unit test holds it to -5%…+10%).

use std::io::Write;

use crate::engine::config::ExperimentConfig;
use crate::engine::data::{self, Task};
use crate::engine::record::RunRecord;
use crate::engine::seeds::SourceRng;

/// The shape of a sweep's records: what their vectors' lengths follow from.
#[derive(Clone, Copy, Debug)]
pub struct RecordShape {
    pub epochs: usize,
    pub test_rows: usize,
    pub train_rows: usize,
    pub features: usize,
    pub outputs: usize,
    pub classification: bool,
    pub grid_cells: usize,
}

impl RecordShape {
    /// The shape of `config`'s runs (its data set is loaded or drawn once to learn it).
    pub fn of(config: &ExperimentConfig) -> Result<RecordShape, data::DataError> {
        let (rows, features, outputs, task) = if config.data.kind.is_table() {
            let dataset = data::load_dataset(&config.data)?;
            (
                dataset.len(),
                dataset.features,
                dataset.outputs,
                dataset.task,
            )
        } else {
            let dataset = data::generate(&config.data, &mut SourceRng::new(0));
            (
                dataset.len(),
                dataset.features,
                dataset.outputs,
                dataset.task,
            )
        };
        let test_rows = match config.data.split {
            data::SplitMode::Random => data::test_count(rows, config.data.test_fraction),
            data::SplitMode::KFold => rows.div_ceil(config.data.k.max(1)),
        };
        let test_rows = if test_rows == 0 { rows } else { test_rows };
        let grid_cells = if data::plane_bounds(config.data.kind).is_some() {
            data::GRID_SIZE * data::GRID_SIZE
        } else {
            0
        };
        Ok(RecordShape {
            epochs: config.training.epochs,
            test_rows,
            train_rows: rows.saturating_sub(test_rows).max(1),
            features,
            outputs,
            classification: task != Task::Regression,
            grid_cells,
        })
    }

    /// A record with this shape's vector lengths and typical-width values.
    fn typical_record(&self) -> RunRecord {
        let mut record = RunRecord::failed(
            crate::engine::seeds::Condition::only(crate::engine::seeds::Source::Shuffle),
            99_999,
            String::new(),
        );
        record.error = None;
        let wide_f64 = 0.123_456_789_012_345_67;
        let wide_f32 = 0.123_456_79_f32;
        record.train_loss = vec![wide_f64; self.epochs];
        // Test accuracies are k/n: some short (0.9), most repeating; 14 characters on average.
        record.test_metric = vec![0.955_555_555_556; self.epochs];
        record.final_train_metric = Some(wide_f64);
        record.final_test_metric = Some(wide_f64);
        record.fresh_metric = Some(wide_f64);
        let predictions = if self.classification {
            self.test_rows
        } else {
            self.test_rows * self.outputs
        };
        let point = if self.classification { 1.0 } else { wide_f32 };
        record.test_predictions = vec![point; predictions];
        record.test_errors = vec![point; self.test_rows];
        record.test_indices = vec![self.test_rows + self.train_rows; self.test_rows];
        if self.grid_cells > 0 {
            record.grid = Some("1".repeat(self.grid_cells));
        }
        for source in ["data", "split", "init", "dropout", "shuffle", "threads"] {
            record.seeds.insert(source.into(), u64::MAX);
        }
        record.weights_hash = "f".repeat(64);
        record.wall_ms = wide_f64;
        record
    }

    /// Bytes one run adds to a results file (pretty JSON, as written).
    pub fn results_bytes_per_run(&self) -> u64 {
        let mut counter = ByteCounter::default();
        serde_json::to_writer_pretty(&mut counter, &self.typical_record())
            .expect("a record always serialises");
        // In the file a record sits two levels deeper than alone (4 more spaces a line),
        // followed by ",\n".
        counter.bytes + 4 * (counter.newlines + 1) + 2
    }

    /// Bytes one finished run holds in memory until the results file is written.
    pub fn memory_bytes_per_run(&self) -> u64 {
        const OVERHEAD: u64 = 2_048; // strings, the seeds map, fingerprints, allocations
        let per_epoch = 2 * 8;
        let per_test_row = 4
            + 8
            + 4
            + if self.classification {
                0
            } else {
                4 * self.outputs
            };
        OVERHEAD
            + (per_epoch * self.epochs) as u64
            + (per_test_row * self.test_rows) as u64
            + self.grid_cells as u64
    }
}

/// Counts what would be written, and its line breaks.
#[derive(Default)]
struct ByteCounter {
    bytes: u64,
    newlines: u64,
}

impl Write for ByteCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes += bytes.len() as u64;
        self.newlines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a sweep will take, said before it starts.
#[derive(Clone, Copy, Debug)]
pub struct SweepEstimate {
    pub runs_to_train: usize,
    pub runs_in_file: usize,
    /// The results file, as `run` writes it.
    pub results_bytes: u64,
    /// Peak memory: the finished runs held for the results file, and the runs in training.
    pub memory_bytes: u64,
}

/// The file around the runs: the experiment and one summary per condition (a summary with
/// runs carries a few more figures than an empty one: 2 KB allows for them).
fn frame_bytes(config: &ExperimentConfig) -> u64 {
    let empty =
        crate::records::ResultsFile::new(config.clone(), u64::MAX, "--seed", Vec::new(), false);
    empty.to_json().len() as u64 + 2_048 * config.conditions.len() as u64
}

/// Runs a worker trains side by side (the fused kernel's vector lanes).
const LANES_PER_WORKER: usize = 16;

impl SweepEstimate {
    pub fn new(
        config: &ExperimentConfig,
        runs_to_train: usize,
        runs_in_file: usize,
        workers: usize,
    ) -> Result<SweepEstimate, data::DataError> {
        let shape = RecordShape::of(config)?;
        let training_lanes = runs_to_train.min(workers * LANES_PER_WORKER) as u64;
        let memory_bytes = shape.memory_bytes_per_run() * runs_in_file as u64
            + training_lanes * lane_bytes(config, &shape);
        Ok(SweepEstimate {
            runs_to_train,
            runs_in_file,
            results_bytes: shape.results_bytes_per_run() * runs_in_file as u64
                + frame_bytes(config),
            memory_bytes,
        })
    }
}

/// Memory one run holds while it trains: its parameters with their gradient, Adam's two
/// moments and a gradient per thread shard; its mini-batch's activations forward and back;
/// its own copy of the split rows, standardised.
fn lane_bytes(config: &ExperimentConfig, shape: &RecordShape) -> u64 {
    let mut widths = vec![shape.features];
    widths.extend(&config.model.hidden);
    widths.push(shape.outputs);
    let parameters: u64 = widths
        .windows(2)
        .map(|pair| (pair[0] as u64 + 1) * pair[1] as u64)
        .sum();
    let shards = 16u64;
    let batch = config.training.batch_size.min(shape.train_rows) as u64;
    let activations: u64 = widths.iter().map(|&w| w as u64).sum::<u64>() * batch * 3;
    let rows =
        (shape.train_rows + shape.test_rows) as u64 * (shape.features + shape.outputs) as u64;
    4 * (parameters * (4 + shards) + activations + 2 * rows)
}

/// A byte count as people read it: "840 KB", "6.3 GB".
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// The memory the system can give without swapping (`MemAvailable`), where it says.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate is within 10% of a real results file of the default preset.
    #[test]
    fn the_size_estimate_matches_a_written_file() {
        let mut config = crate::engine::presets::default_config();
        config.training.epochs = 5;
        config.repeats = 4;
        let spec = crate::engine::sweep::SweepSpec::new(config.clone(), 3, 1);
        let outcome = crate::engine::sweep::run_sweep(
            &spec,
            &std::sync::atomic::AtomicBool::new(false),
            &mut |_| {},
        );
        let runs = outcome.runs.len();
        let file =
            crate::records::ResultsFile::new(config.clone(), 3, "--seed", outcome.runs, false);
        let actual = file.to_json().len() as f64;
        let estimate = SweepEstimate::new(&config, runs, runs, 1).unwrap();
        let ratio = estimate.results_bytes as f64 / actual;
        assert!(
            (0.95..1.1).contains(&ratio),
            "estimate {} vs {actual}: {ratio}",
            estimate.results_bytes
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(6_300_000_000), "6.3 GB");
        assert_eq!(size_text(840_000), "840 KB");
    }
}
