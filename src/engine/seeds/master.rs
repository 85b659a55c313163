//! Where an experiment's master seed comes from: `--seed`, else `SEEDSCOPE_SEED`, else the
//! operating system. The command line, the app and the tests all resolve it here, and the
//! seed and its origin are always printed and recorded.

/// The environment variable a master seed may come from.
pub const SEED_ENV: &str = "SEEDSCOPE_SEED";

/// A master seed in the environment that is not a 64-bit whole number.
#[derive(Debug, thiserror::Error)]
#[error("{SEED_ENV}: `{text}` is not a whole number from 0 to {}", u64::MAX)]
pub struct BadSeed {
    pub text: String,
}

/// The master seed and where it came from: `flag` (`--seed`), else [`SEED_ENV`], else the OS.
pub fn resolve_seed(flag: Option<u64>) -> Result<(u64, &'static str), BadSeed> {
    if let Some(seed) = flag {
        return Ok((seed, "--seed"));
    }
    if let Ok(text) = std::env::var(SEED_ENV) {
        return text
            .trim()
            .parse::<u64>()
            .map(|s| (s, SEED_ENV))
            .map_err(|_| BadSeed { text });
    }
    Ok((os_seed(), "os"))
}

/// A fresh seed from the operating system's randomness (through std's hasher keys). Only
/// ever a master seed, which is printed and recorded; never a draw the user believes seeded.
pub fn os_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
