//! What can be told of a script given one seed for everything (`{seed}`, issue 43 item 2):
//! how far that seed moves the result, and — said plainly — not which of data, split, init,
//! dropout or shuffle it drives, which only a seed per source (or the helper) can split.

use super::noise_reading::format_spread;
use super::summary::ConditionSummary;
use crate::engine::metric::Metric;
use crate::engine::seeds::Condition;

/// "the script's seed moves the result by 1.80 pp (std of only-seed, 30 runs); which of …"
/// None until only-seed has a spread (two finished runs).
pub fn one_seed_reading(summaries: &[ConditionSummary], metric: &Metric) -> Option<String> {
    let only_seed = summaries
        .iter()
        .find(|s| s.condition == Condition::ONLY_SEED)?;
    let std = only_seed.std?;
    Some(format!(
        "the script's seed moves the result by {} (std of only-seed, {} runs); which of data, \
         split, init, dropout or shuffle it drives cannot be told from outside: give each source \
         its own seed ({{seed.init}}, {{seed.shuffle}}, …) or use the helper (seedscope helper \
         python) to split it",
        format_spread(std, metric),
        only_seed.n
    ))
}
