//! A settings study's one file: what was varied, every setting's results as an ordinary
//! results file, and the reading of each condition across the settings
//! (`analysis::settings_reading`). `compare` and `plan` read it (docs/file-formats.md).

use serde::{Deserialize, Serialize};

use super::ResultsFile;
use crate::analysis::settings_reading::{SettingRuns, StudyReading, read_study};
use crate::engine::study::{Setting, Vary};

/// What `kind` says of a study's file (a results file has no `kind`).
pub const STUDY_KIND: &str = "settings-study";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudyFile {
    pub kind: String,
    pub schema_version: u32,
    pub seedscope_version: String,
    pub vary: Vec<Vary>,
    /// The master seed every setting ran under: run r of each drew the same seeds.
    pub master_seed: u64,
    pub settings: Vec<StudySetting>,
    pub readings: Vec<StudyReading>,
}

/// One setting and its sweep.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudySetting {
    pub setting: Setting,
    pub results: ResultsFile,
}

impl StudyFile {
    /// The file of `settings` (each run under `master_seed`), read condition by condition.
    pub fn new(vary: Vec<Vary>, master_seed: u64, settings: Vec<StudySetting>) -> StudyFile {
        let readings = readings_of(&settings);
        StudyFile {
            kind: STUDY_KIND.to_string(),
            schema_version: 1,
            seedscope_version: env!("CARGO_PKG_VERSION").to_string(),
            vary,
            master_seed,
            settings,
            readings,
        }
    }

    pub fn from_json(text: &str) -> Result<StudyFile, String> {
        let file: StudyFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.kind != STUDY_KIND {
            return Err(format!("kind is {:?}, not {STUDY_KIND:?}", file.kind));
        }
        Ok(file)
    }

    /// The metric the study's runs report (the first finished run's).
    pub fn metric(&self) -> Option<crate::engine::metric::Metric> {
        crate::analysis::summary::metric_of(self.settings.iter().flat_map(|s| &s.results.runs))
    }

    /// One setting's results by its label.
    pub fn setting(&self, label: &str) -> Option<&ResultsFile> {
        self.settings
            .iter()
            .find(|s| s.setting.label == label)
            .map(|s| &s.results)
    }
}

/// Whether `text` (a JSON file's start) is a study's file rather than a results file.
pub fn is_study(text: &str) -> bool {
    text.contains(&format!("\"kind\": \"{STUDY_KIND}\""))
}

/// Each condition's reading across the settings, in the sweep's order of conditions.
pub fn readings_of(settings: &[StudySetting]) -> Vec<StudyReading> {
    let Some(first) = settings.first() else {
        return Vec::new();
    };
    let Some(metric) = crate::analysis::summary::metric_of(&first.results.runs) else {
        return Vec::new();
    };
    let share = metric.is_share_of_points();
    first
        .results
        .config
        .conditions
        .iter()
        // A condition whose runs repeat one outcome per setting (all-fixed) is one draw per
        // setting, not thirty: there is nothing to test.
        .filter(|condition| {
            settings.iter().any(|s| {
                let mut hashes = s
                    .results
                    .runs
                    .iter()
                    .filter(|r| r.condition == **condition && r.error.is_none())
                    .map(|r| &r.weights_hash);
                hashes
                    .next()
                    .is_some_and(|first| hashes.any(|h| h != first))
            })
        })
        .filter_map(|condition| {
            let runs: Vec<SettingRuns> = settings
                .iter()
                .map(|s| SettingRuns {
                    label: s.setting.label.clone(),
                    runs: s
                        .results
                        .runs
                        .iter()
                        .filter(|r| r.condition == *condition && r.error.is_none() && !r.diverged)
                        .filter_map(|r| Some((r.run_index, &r.seeds, r.final_test_metric?)))
                        .collect(),
                })
                .collect();
            let mut reading = read_study(
                &condition.to_string(),
                &runs,
                metric.higher_is_better(),
                share,
            )?;
            for pair in &mut reading.pairs {
                pair.test_set_noise = pair_noise(settings, condition, (&pair.a, &pair.b), &metric);
            }
            Some(reading)
        })
        .collect()
}

/// The test-set noise of two settings' difference under `condition`, where their runs were
/// scored on the same points: the data source fixed and the same data settings.
fn pair_noise(
    settings: &[StudySetting],
    condition: &crate::engine::seeds::Condition,
    (a, b): (&str, &str),
    metric: &crate::engine::metric::Metric,
) -> Option<crate::analysis::test_noise::DifferenceNoise> {
    use crate::engine::seeds::Source;
    let side = |label: &str| settings.iter().find(|s| s.setting.label == label);
    let (a, b) = (side(a)?, side(b)?);
    fn runs<'s>(
        s: &'s StudySetting,
        condition: &crate::engine::seeds::Condition,
    ) -> Vec<&'s crate::engine::record::RunRecord> {
        s.results
            .runs
            .iter()
            .filter(|r| r.condition == *condition && r.error.is_none())
            .collect()
    }
    let same_data =
        !condition.is_free(Source::Data) && a.results.config.data == b.results.config.data;
    crate::analysis::noise_reading::comparison_noise(
        &runs(a, condition),
        &runs(b, condition),
        same_data,
        metric.higher_is_better(),
    )
}
