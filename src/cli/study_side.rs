//! One side of `compare` or `plan` from a results file, or from one setting of a settings
//! study's file: `--a 'learning_rate=0.01/all-free'` names the setting by its label and then
//! the condition (all-free where none is named).

use std::path::Path;

use super::common::{Failure, bad_input};
use crate::records::ResultsFile;
use crate::records::study_file::{StudyFile, is_study};

/// The condition read where a study's side names only its setting.
const STUDY_CONDITION: &str = "all-free";

/// A side: its results, the condition to read, and the setting's label for a study.
pub(crate) struct Side {
    pub results: ResultsFile,
    pub condition: String,
    pub setting: Option<String>,
}

/// The side `selector` names in the file at `path` (`flag` names it in errors).
pub(crate) fn load_side(path: &Path, selector: &str, flag: &str) -> Result<Side, Failure> {
    if !starts_as_study(path) {
        return Ok(Side {
            results: ResultsFile::load_for_analysis(path).map_err(bad_input)?,
            condition: selector.to_string(),
            setting: None,
        });
    }
    let text = crate::engine::files::read_text(path, crate::engine::files::MAX_RESULTS_BYTES)
        .map_err(bad_input)?;
    let study =
        StudyFile::from_json(&text).map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
    // The condition follows the last '/', where what follows is a condition's name.
    let (label, condition) = match selector.rsplit_once('/') {
        Some((label, tail)) if tail.parse::<crate::engine::seeds::Condition>().is_ok() => {
            (label, tail)
        }
        _ => (selector, STUDY_CONDITION),
    };
    let Some(results) = study.setting(label) else {
        let labels: Vec<String> = study
            .settings
            .iter()
            .map(|s| format!("`{}`", s.setting.label))
            .collect();
        return Err(bad_input(format!(
            "{flag}: {} is a settings study with no setting `{label}`; its settings: {} \
             (then /CONDITION, e.g. /{STUDY_CONDITION})",
            path.display(),
            labels.join(", ")
        )));
    };
    Ok(Side {
        results: results.clone(),
        condition: condition.to_string(),
        setting: Some(label.to_string()),
    })
}

/// Whether the file's first bytes say it is a study (its `kind` comes first).
pub(super) fn starts_as_study(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 256];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let read = file.read(&mut head).unwrap_or(0);
    is_study(&String::from_utf8_lossy(&head[..read]))
}
