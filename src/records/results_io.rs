//! A results file in either format: read by what its first bytes say it is, written in the
//! format asked for. Kept apart from `results_file` (the JSON format and the checks both
//! formats share) and `parquet` (which uses those checks), so neither imports the other back.

use std::path::Path;

use super::parquet::{self, ResultsFormat, RunColumns};
use super::{OutputTarget, ResultsFile, ResultsFileError, output};

impl ResultsFile {
    /// Reads a results file, JSON or Parquet (told by its first bytes, not its name).
    pub fn load(path: &Path) -> Result<ResultsFile, ResultsFileError> {
        ResultsFile::load_columns(path, RunColumns::All)
    }

    /// [`Self::load`] for reading numbers off the runs (`luck`, `plan`, `compare`): a Parquet
    /// file's learning curves, predictions and grids are left unread (empty in the runs), as
    /// nothing there draws them. A JSON file is read whole.
    pub fn load_for_analysis(path: &Path) -> Result<ResultsFile, ResultsFileError> {
        ResultsFile::load_columns(path, RunColumns::ForAnalysis)
    }

    fn load_columns(path: &Path, columns: RunColumns) -> Result<ResultsFile, ResultsFileError> {
        let (file, _) =
            crate::engine::files::open_regular_file(path, crate::engine::files::MAX_RESULTS_BYTES)?;
        // Parquet is read by offsets from its footer, within the size checked here.
        let file = file.into_inner();
        if parquet::starts_like_parquet(&file) {
            return parquet::read_results(file, columns).map_err(|e| e.in_file(path));
        }
        ResultsFile::load_json(path)
    }

    /// Writes the file in `format` to an output checked before the work began.
    pub fn write_to(&self, target: &OutputTarget, format: ResultsFormat) -> std::io::Result<()> {
        match format {
            ResultsFormat::Json => self.write_json_to(target),
            ResultsFormat::Parquet => {
                output::write_output(target, |file| parquet::write_results(self, file))
            }
        }
    }
}
