//! The gradient of one mini-batch, and the `threads` source.
//!
//! The step's arithmetic (the fused kernel, `fused/`) has no threads of its own, so the
//! variation frameworks show from intra-op parallelism has to be made real here: the batch is
//! cut into `count` contiguous shards, each shard's gradient is computed on its own worker
//! thread, and the shard gradients are added up.
//!
//! * Fixed policy: the sum runs in shard order, whatever order the threads finish in.
//! * Free policy (`racing`): partial sums are added in the order the threads finish. That
//!   order is a real race between OS threads, not a simulated one. With two shards the order
//!   cannot matter (float addition is commutative); with three or more it can, and such a run
//!   cannot be replayed bit-for-bit.
//!
//! Shard workers live for a whole run ([`ShardPool`]): spawning threads on every step cost
//! more than the step itself.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::Scope;

use atomic_wait::{wait, wake_all, wake_one};
use serde::{Deserialize, Serialize};

use crate::engine::data::Task;
use crate::engine::fused::{PackInput, Packing, pack_gradient};
use crate::engine::model::ModelSpec;

/// How one run computes its mini-batch gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPlan {
    pub count: usize,
    /// Sum partial gradients in arrival order (free policy) rather than shard order.
    pub racing: bool,
}

impl ThreadPlan {
    /// Whether the run's result may depend on thread scheduling.
    pub fn order_can_matter(&self) -> bool {
        self.racing && self.count >= 3
    }

    /// Runs with this plan can share a batched program with runs of the same thread count:
    /// each shard thread then computes its shard for every run at once. True unless the
    /// summation order can change the bits (three or more racing shards): with a fixed order,
    /// or two shards (a + b == b + a), every run's result is the one it would have alone.
    pub fn batchable(&self) -> bool {
        !self.order_can_matter()
    }
}

/// A run's (or R runs') gradients: one flat vector per parameter, in parameter order.
pub type Gradients = Vec<Vec<f32>>;

/// One mini-batch's per-run losses (mean over its rows) and gradients.
pub struct BatchGradient {
    pub losses: Vec<f64>,
    pub grads: Gradients,
    /// The shard order in which partial gradients were added.
    pub summation_order: Vec<usize>,
}

/// R runs' parameters as the fused kernel reads them: cut into packs, lane layout
/// (`Packing::to_lanes`), `2 × layers` vectors per pack.
#[derive(Clone)]
pub struct PackedModel {
    pub spec: ModelSpec,
    pub packing: Packing,
    pub params: Vec<Vec<f32>>,
}

/// A mini-batch of R runs, one [`PackInput`] per pack (each run's own rows and dropout
/// masks), `rows` rows each.
#[derive(Clone)]
pub struct Batch {
    pub rows: usize,
    pub packs: Vec<PackInput>,
}

type ShardResult = (usize, Result<(Vec<f64>, Gradients), ShardPanicked>);

/// A thread computing one shard of a mini-batch's gradient panicked: the step has no
/// gradient, and the runs of the step fail (recorded, never a crash).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the thread computing gradient shard {shard} panicked")]
pub struct ShardPanicked {
    pub shard: usize,
}

/// The losses (in run order) and gradients (the packs' layout) of rows `start..start+len` of
/// the batch, scaled by `1/batch_rows`. The gradients go into `grads`, a previous step's
/// buffers when there are some (fresh 128 KB buffers each step cost page faults).
fn shard_gradient(
    model: &PackedModel,
    task: Task,
    batch: &Batch,
    rows: (usize, usize),
    batch_rows: usize,
    mut grads: Gradients,
) -> (Vec<f64>, Gradients) {
    let per_pack = 2 * model.spec.layers();
    let mut losses = Vec::with_capacity(model.packing.runs);
    grads.resize_with(model.params.len(), Vec::new);
    for (index, (pack, input)) in model.packing.packs.iter().zip(&batch.packs).enumerate() {
        let params = &model.params[index * per_pack..(index + 1) * per_pack];
        let pack_grads = &mut grads[index * per_pack..(index + 1) * per_pack];
        let pack_losses = pack_gradient(
            &model.spec,
            task,
            params,
            input,
            rows,
            batch_rows,
            pack_grads,
        );
        losses.extend_from_slice(&pack_losses[..pack.runs]);
    }
    (losses, grads)
}

/// Contiguous shards of `rows` rows, sizes differing by at most one.
pub fn shard_ranges(rows: usize, count: usize) -> Vec<(usize, usize)> {
    let count = count.clamp(1, rows.max(1));
    let base = rows / count;
    let extra = rows % count;
    let mut start = 0;
    (0..count)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let range = (start, len);
            start += len;
            range
        })
        .collect()
}

/// What the shard workers read for one step.
struct StepInput {
    /// The step's generation: a worker that wakes late and finds a newer step published
    /// knows the step it woke for did not need it.
    generation: u32,
    model: PackedModel,
    task: Task,
    batch: Batch,
    shards: Vec<(usize, usize)>,
}

/// State shared by a run's thread and its shard workers.
///
/// One step is one round: the run's thread publishes the step's input, bumps `generation` and
/// wakes every worker with one futex call; each thread (the run's own included) computes its
/// shard, appends its result to `arrivals` — the order of these appends is the race — and counts
/// itself in `arrived`; the last one to arrive wakes the run's thread. Channels did the same
/// with one wake-up per message, and on these virtual machines a wake-up costs more than a
/// shard's arithmetic.
struct Round {
    input: RwLock<Option<StepInput>>,
    /// Bumped once per step; [`STOP`] ends the workers.
    generation: AtomicU32,
    arrived: AtomicU32,
    arrivals: Mutex<Vec<ShardResult>>,
}

const STOP: u32 = u32::MAX;

impl Round {
    /// Records a finished shard; the last of `count` arrivals wakes the waiting run thread.
    fn arrive(&self, result: ShardResult, count: usize) {
        lock(&self.arrivals).push(result);
        if self.arrived.fetch_add(1, Ordering::AcqRel) as usize + 1 == count {
            wake_one(&self.arrived);
        }
    }
}

/// A lock that a panicked shard (already reported as an error) cannot poison for the rest.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Worker threads that compute shard gradients for one run, for as long as the run lasts.
pub struct ShardPool {
    round: Arc<Round>,
    count: usize,
}

impl ShardPool {
    /// Starts workers for shards 1..count in `scope` (the caller computes shard 0); they stop
    /// when the pool is dropped.
    pub fn start<'scope>(scope: &'scope Scope<'scope, '_>, count: usize) -> ShardPool {
        let round = Arc::new(Round {
            input: RwLock::new(None),
            generation: AtomicU32::new(0),
            arrived: AtomicU32::new(0),
            arrivals: Mutex::new(Vec::with_capacity(count)),
        });
        for index in 1..count {
            let round = Arc::clone(&round);
            scope.spawn(move || {
                let mut seen = 0;
                loop {
                    // Sleep until the next step (the futex re-checks the value: no lost wake).
                    let mut generation = round.generation.load(Ordering::Acquire);
                    while generation == seen {
                        wait(&round.generation, seen);
                        generation = round.generation.load(Ordering::Acquire);
                    }
                    if generation == STOP {
                        return;
                    }
                    seen = generation;
                    // A batch with fewer rows than threads has fewer shards: the workers past
                    // the last shard sit this step out (and a worker that wakes after such a
                    // step has moved on finds the next one's input, and waits for it).
                    let input = round.input.read().unwrap_or_else(|p| p.into_inner());
                    let input = input.as_ref().expect("published before the bump");
                    let shards = input.shards.len();
                    if input.generation != generation || index >= shards {
                        continue;
                    }
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        let rows = input.batch.rows;
                        shard_gradient(
                            &input.model,
                            input.task,
                            &input.batch,
                            input.shards[index],
                            rows,
                            Vec::new(),
                        )
                    }))
                    .map_err(|_| ShardPanicked { shard: index });
                    round.arrive((index, result), shards);
                }
            });
        }
        ShardPool { round, count }
    }
}

impl Drop for ShardPool {
    fn drop(&mut self) {
        self.round.generation.store(STOP, Ordering::Release);
        wake_all(&self.round.generation);
    }
}

/// Adds one shard's losses and gradients into the running total, in place.
fn add_into(total: &mut Option<(Vec<f64>, Gradients)>, (losses, grads): (Vec<f64>, Gradients)) {
    match total {
        None => *total = Some((losses, grads)),
        Some((sum_losses, sum_grads)) => {
            for (sum, loss) in sum_losses.iter_mut().zip(&losses) {
                *sum += loss;
            }
            for (sum, grad) in sum_grads.iter_mut().zip(&grads) {
                for (s, g) in sum.iter_mut().zip(grad) {
                    *s += g;
                }
            }
        }
    }
}

/// The batch's losses and gradients. Plans with more than one thread need a `pool`.
///
/// `recycled`: the gradient buffers of an earlier step to fill again (or none).
pub fn batch_gradient(
    model: &PackedModel,
    task: Task,
    batch: &Batch,
    plan: ThreadPlan,
    pool: Option<&ShardPool>,
    recycled: Gradients,
) -> Result<BatchGradient, ShardPanicked> {
    let rows = batch.rows;
    let shards = shard_ranges(rows, plan.count);
    let pool = match pool {
        Some(pool) if shards.len() > 1 => pool,
        _ => {
            let whole = (0, rows);
            let (losses, grads) = shard_gradient(model, task, batch, whole, rows, recycled);
            return Ok(BatchGradient {
                losses,
                grads,
                summation_order: vec![0],
            });
        }
    };
    // At most one shard a thread; fewer when the batch has fewer rows than threads.
    assert!(
        shards.len() <= pool.count,
        "more shards than the pool's threads"
    );
    let round = &pool.round;
    let next = match round.generation.load(Ordering::Acquire).wrapping_add(1) {
        STOP => 1,
        next => next,
    };
    // Every worker of the previous step arrived, so none computes with the input now (one
    // that sat it out may still be reading it; the write waits for it).
    *round.input.write().unwrap_or_else(|p| p.into_inner()) = Some(StepInput {
        generation: next,
        model: model.clone(),
        task,
        batch: batch.clone(),
        shards: shards.clone(),
    });
    round.arrived.store(0, Ordering::Release);
    lock(&round.arrivals).clear();
    round.generation.store(next, Ordering::Release);
    wake_all(&round.generation);
    // Shard 0 runs on this thread, racing the workers.
    let own = shard_gradient(model, task, batch, shards[0], rows, recycled);
    round.arrive((0, Ok(own)), shards.len());
    loop {
        let arrived = round.arrived.load(Ordering::Acquire);
        if arrived as usize == shards.len() {
            break;
        }
        wait(&round.arrived, arrived);
    }
    let arrivals = std::mem::take(&mut *lock(&round.arrivals));
    let mut total = None;
    let mut order = Vec::with_capacity(shards.len());
    if plan.racing {
        // Add the partial gradients in the order their threads finished.
        for (index, result) in arrivals {
            order.push(index);
            add_into(&mut total, result?);
        }
    } else {
        let mut slots: Vec<Option<(Vec<f64>, Gradients)>> = vec![None; shards.len()];
        for (index, result) in arrivals {
            slots[index] = Some(result?);
        }
        for (index, slot) in slots.into_iter().enumerate() {
            order.push(index);
            add_into(&mut total, slot.expect("every shard replies once"));
        }
    }
    let (losses, grads) = total.expect("at least two shards");
    Ok(BatchGradient {
        losses,
        grads,
        summation_order: order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch_exactly() {
        assert_eq!(shard_ranges(10, 3), vec![(0, 4), (4, 3), (7, 3)]);
        assert_eq!(shard_ranges(2, 4), vec![(0, 1), (1, 1)]);
        assert_eq!(shard_ranges(5, 1), vec![(0, 5)]);
    }
}
