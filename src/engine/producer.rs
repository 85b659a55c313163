//! What produces an experiment's runs, and what its runs can show (issue 43, item 0). Runs come
//! from the built-in trainer or from a user's command (and later from a tracker's export); the
//! views, readings and commands ask a producer's [`Capabilities`] — *what it can show* — rather
//! than *who* made the runs, so a new producer (a capture mode, an import) states what it can
//! do in one place instead of in every view. As rerun's `DataLoader` serves its built-in
//! loaders and a user's executable alike.

use crate::engine::config::ExperimentConfig;
use crate::engine::data::fresh::has_fresh_data;
use crate::engine::seeds::Source;

/// Who produces an experiment's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerKind {
    /// seedscope's own trainer: every source drawn from its own streams.
    BuiltIn,
    /// A user's training command, told its seeds and read for its result.
    Command,
}

/// Where a producer's fresh-data score comes from, when it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreshData {
    /// None can exist (a fixed table, a data set without a generator).
    None,
    /// Points drawn from the data set's generator ([`crate::engine::data::fresh::FRESH_POINTS`] of them).
    Drawn,
    /// The producer's own larger held-out data (a command's `fresh_value`), when it reports it.
    Reported,
}

/// What a producer's runs can show; the views and readings ask these.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    pub kind: ProducerKind,
    /// The producer is a black box whose randomness seedscope does not draw itself: its runs
    /// are diagnosed for randomness it does not control and seeds it ignores.
    pub diagnosable: bool,
    /// Every run has a test curve (the built-in trainer scores every epoch); otherwise only
    /// the runs that report one.
    pub curves_always: bool,
    /// Every run has the hash of its weights' bits; otherwise only where reported (else the
    /// hash is of the outcome, and the tables say "identical results").
    pub weights_hash_always: bool,
    /// Where a fresh-data score comes from.
    pub fresh: FreshData,
    /// The size and memory of its records are known before it runs (the built-in model's
    /// shape); a command's are its own.
    pub records_estimable: bool,
    /// It trains on the experiment's data set (loaded and checked before a sweep).
    pub reads_data_set: bool,
    /// Its data is drawn from a generator (not a fixed table): more samples would mean more
    /// test points, which a reading of test-set noise may suggest.
    pub draws_its_data: bool,
    /// It can be given GPUs (`--gpus`).
    pub takes_gpus: bool,
    /// The lessons (library-rng, nudge) exist for it.
    pub lessons: bool,
    /// The sources it can isolate, one at a time.
    pub sources: Vec<Source>,
    /// It is given one seed for everything (a script's `{seed}`): only that seed, threads and
    /// gpu can be moved apart, and which source the seed drives cannot be told.
    pub one_seed: bool,
}

impl Capabilities {
    /// How fresh data is named in a sentence ("20000 fresh points", "the command's fresh data").
    pub fn fresh_words(&self) -> String {
        crate::engine::data::fresh::fresh_points_words(self.fresh == FreshData::Reported)
    }

    /// Whether fresh points are drawn from the data set's generator (a pool of known size).
    pub fn fresh_drawn(&self) -> bool {
        self.fresh == FreshData::Drawn
    }
}

impl ExperimentConfig {
    /// What this experiment's producer can show.
    pub fn capabilities(&self) -> Capabilities {
        match &self.command {
            None => Capabilities {
                kind: ProducerKind::BuiltIn,
                diagnosable: false,
                curves_always: true,
                weights_hash_always: true,
                fresh: if has_fresh_data(self.data.kind) {
                    FreshData::Drawn
                } else {
                    FreshData::None
                },
                records_estimable: true,
                reads_data_set: true,
                draws_its_data: !self.data.kind.is_table(),
                takes_gpus: false,
                lessons: true,
                sources: Source::ALL.to_vec(),
                one_seed: false,
            },
            Some(command) => Capabilities {
                kind: ProducerKind::Command,
                diagnosable: true,
                curves_always: false,
                weights_hash_always: false,
                fresh: FreshData::Reported,
                records_estimable: false,
                reads_data_set: false,
                draws_its_data: false,
                takes_gpus: true,
                lessons: false,
                sources: if command.takes_one_seed() {
                    vec![Source::Threads, Source::Gpu]
                } else {
                    Source::WITH_GPU.to_vec()
                },
                one_seed: command.takes_one_seed(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::command::CommandConfig;
    use crate::engine::data::fresh::FRESH_POINTS;

    #[test]
    fn a_command_is_diagnosed_and_gets_gpus_and_the_trainer_draws_fresh_points() {
        let built_in = crate::engine::presets::default_config().capabilities();
        assert!(!built_in.diagnosable && built_in.curves_always && built_in.lessons);
        assert_eq!(built_in.fresh, FreshData::Drawn);
        assert_eq!(
            built_in.fresh_words(),
            format!("{FRESH_POINTS} fresh points")
        );
        let command = ExperimentConfig::for_command(
            CommandConfig::from_command_line("python3 train.py").unwrap(),
        )
        .capabilities();
        assert!(command.diagnosable && command.takes_gpus && !command.records_estimable);
        assert!(command.sources.contains(&Source::Gpu));
        assert!(!built_in.sources.contains(&Source::Gpu));
    }
}
