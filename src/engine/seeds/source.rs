//! The sources of run-to-run variation: their names, what each varies, and where the
//! frameworks expose it (the app's hover text).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A source of run-to-run variation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Data,
    Split,
    Init,
    Dropout,
    Shuffle,
    Threads,
    /// GPU kernels: fixed asks the libraries for deterministic kernels, free leaves their
    /// defaults. Only a user's command can have it (`engine::command`): the built-in MLPs
    /// train on the CPU, where it does not apply.
    Gpu,
}

/// Sources that are seeds (every source but the gpu switch).
pub(super) const SEEDED: usize = Source::ALL.len();

impl Source {
    /// The sources of every run, built-in or a command's: each is a seed.
    pub const ALL: [Source; 6] = [
        Source::Data,
        Source::Split,
        Source::Init,
        Source::Dropout,
        Source::Shuffle,
        Source::Threads,
    ];

    /// The sources of a command's runs: [`Source::ALL`] and the gpu switch, built from it so
    /// the two lists cannot disagree.
    pub const WITH_GPU: [Source; SEEDED + 1] = {
        let mut with_gpu = [Source::Gpu; SEEDED + 1];
        let mut i = 0;
        while i < SEEDED {
            with_gpu[i] = Source::ALL[i];
            i += 1;
        }
        with_gpu
    };

    pub fn name(self) -> &'static str {
        match self {
            Source::Data => "data",
            Source::Split => "split",
            Source::Init => "init",
            Source::Dropout => "dropout",
            Source::Shuffle => "shuffle",
            Source::Threads => "threads",
            Source::Gpu => "gpu",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// What varies when the source is free, and where frameworks expose it.
    pub fn explanation(self) -> &'static str {
        match self {
            Source::Data => {
                "Data sampling: which points the synthetic data set contains (the noise draw); on a \
                 real data set or a CSV file, a bootstrap resample of the training rows, standing in \
                 for another sample of the same population (Bouthillier et al., MLSys 2021). \
                 scikit-learn: make_circles(random_state=...), resample(random_state=...)."
            }
            Source::Split => {
                "Train/test split: which points go to training and which to testing (stratified by \
                 class on a real data set). scikit-learn: train_test_split(random_state=..., stratify=y)."
            }
            Source::Init => {
                "Weight initialisation: the initial weights (Glorot/He uniform). \
                 TensorFlow: tf.random.set_seed / kernel_initializer(seed=...); PyTorch: torch.manual_seed."
            }
            Source::Dropout => {
                "Dropout masks: which units are dropped at every training step. \
                 Keras: Dropout(seed=...); PyTorch: the global generator."
            }
            Source::Shuffle => {
                "Shuffle order: the order of mini-batches in every epoch. \
                 Keras: fit(shuffle=...); PyTorch: DataLoader(generator=...)."
            }
            Source::Threads => {
                "Thread count: how many threads compute each mini-batch gradient, hence how float sums \
                 are split and in which order partial sums arrive. TensorFlow: \
                 intra_op_parallelism_threads / enable_op_determinism; PyTorch: torch.set_num_threads / \
                 use_deterministic_algorithms."
            }
            Source::Gpu => {
                "GPU kernels (your command's runs only): fixed asks for deterministic kernels \
                 (SEEDSCOPE_DETERMINISTIC=1, CUBLAS_WORKSPACE_CONFIG=:4096:8, TF_DETERMINISTIC_OPS=1, \
                 XLA's --xla_gpu_deterministic_ops); free leaves the libraries' defaults (atomics in \
                 cuDNN's backward passes, TF32). PyTorch: torch.use_deterministic_algorithms; \
                 TensorFlow: tf.config.experimental.enable_op_determinism. The built-in MLPs train \
                 on the CPU, where it does not apply."
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::WITH_GPU
            .into_iter()
            .find(|source| source.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Source::WITH_GPU
                    .iter()
                    .map(|source| source.name())
                    .collect();
                format!("unknown source `{s}`; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gpu_switch_follows_every_seeded_source() {
        assert_eq!(&Source::WITH_GPU[..SEEDED], &Source::ALL[..]);
        assert_eq!(Source::WITH_GPU[SEEDED], Source::Gpu);
        for (i, source) in Source::WITH_GPU.into_iter().enumerate() {
            assert_eq!(source.index(), i, "{source} is stored at its index");
            assert_eq!(source.name().parse::<Source>(), Ok(source));
        }
    }

    /// The hover text is one paragraph: a string continued without its `\\` kept the next
    /// line's indentation, and the gpu hover showed runs of 18 spaces.
    #[test]
    fn explanations_are_prose_without_runs_of_spaces() {
        for source in Source::WITH_GPU {
            let text = source.explanation();
            assert!(
                !text.contains("  ") && !text.contains('\n'),
                "{source}: {text:?}"
            );
        }
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let error = "weights".parse::<Source>().unwrap_err();
        assert_eq!(
            error,
            "unknown source `weights`; expected one of data, split, init, dropout, shuffle, threads, gpu"
        );
    }
}
