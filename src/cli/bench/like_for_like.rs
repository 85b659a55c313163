//! `seedscope bench`'s like-for-like figure: the sweep the strongest peers (benches/peer)
//! train, timed the way they time it.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use super::{BENCH_SEED, BenchError, process_cpu_seconds};
use crate::engine::presets;
use crate::engine::seeds::Condition;
use crate::engine::sweep::{SweepSpec, run_sweep};

/// The like-for-like figure: 240 runs of one condition with every source but threads free
/// (`run --conditions free:data+split+init+dropout+shuffle --repeats 240 --workers 1`),
/// one worker, CPU time per run — what benches/peer/jax_vmap.py and torch_vmap.py measure
/// for their vmapped programs on one core.
#[derive(Clone, Debug, Serialize)]
pub struct LikeForLike {
    pub condition: String,
    pub runs: usize,
    pub workers: usize,
    /// The least of two sweeps (a shared machine only ever adds time).
    pub ms_per_run: f64,
    pub sweep_seconds: f64,
}

/// The condition of [`LikeForLike`].
pub const LIKE_FOR_LIKE_CONDITION: &str = "free:data+split+init+dropout+shuffle";

pub(super) fn like_for_like(preset: &str) -> Result<LikeForLike, BenchError> {
    let mut config = presets::find(preset)?.config()?;
    let condition: Condition = LIKE_FOR_LIKE_CONDITION
        .parse()
        .expect("the like-for-like condition parses");
    config.conditions = vec![condition];
    config.repeats = 240;
    let spec = SweepSpec::new(config, BENCH_SEED, 1);
    let (mut least_cpu, mut least_wall) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..2 {
        let cpu_before = process_cpu_seconds().unwrap_or(0.0);
        let started = Instant::now();
        run_sweep(&spec, &AtomicBool::new(false), &mut |_| {});
        least_wall = least_wall.min(started.elapsed().as_secs_f64());
        least_cpu = least_cpu.min(process_cpu_seconds().unwrap_or(0.0) - cpu_before);
    }
    Ok(LikeForLike {
        condition: LIKE_FOR_LIKE_CONDITION.into(),
        runs: 240,
        workers: 1,
        ms_per_run: least_cpu * 1000.0 / 240.0,
        sweep_seconds: least_wall,
    })
}
