//! The gradient of one mini-batch, computed in shards on worker threads — the `threads` source.
//!
//! candle's CPU kernels are bitwise identical whatever their thread count (DESIGN.md), so the
//! variation frameworks show from intra-op parallelism has to be made real here: the batch is
//! cut into `count` contiguous shards, each shard's gradient is computed on its own thread, and
//! the shard gradients are added up.
//!
//! * Fixed policy: the sum runs in shard order, whatever order the threads finish in.
//! * Free policy (`racing`): partial sums are added in the order the threads finish. That
//!   order is a real race between OS threads (they are released together by a barrier), not a
//!   simulated one. With two shards the order cannot matter (float addition is commutative);
//!   with three or more it can, and such a run cannot be replayed bit-for-bit.

use std::sync::{Barrier, mpsc};

use candle_core::{Result, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::Task;
use crate::loss::loss_sum;
use crate::model::Mlp;

/// How one run computes its mini-batch gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPlan {
    pub count: usize,
    /// Sum partial gradients in arrival order (free policy) rather than shard order.
    pub racing: bool,
}

impl ThreadPlan {
    pub const SINGLE: ThreadPlan = ThreadPlan {
        count: 1,
        racing: false,
    };

    /// Whether the run's result may depend on thread scheduling.
    pub fn order_can_matter(&self) -> bool {
        self.racing && self.count >= 3
    }
}

/// One mini-batch's loss (mean over its rows) and gradients (in parameter order).
pub struct BatchGradient {
    pub loss: f64,
    pub grads: Vec<Tensor>,
    /// The shard order in which partial gradients were added.
    pub summation_order: Vec<usize>,
}

/// The loss and gradients of rows `start..start+len` of the batch, scaled by `1/batch_rows`.
fn shard_gradient(
    model: &Mlp,
    task: Task,
    x: &Tensor,
    y: &Tensor,
    masks: Option<&[Tensor]>,
    (start, len): (usize, usize),
    batch_rows: usize,
) -> Result<(f64, Vec<Tensor>)> {
    let whole = start == 0 && len == batch_rows;
    let narrow = |t: &Tensor| {
        if whole {
            Ok(t.clone())
        } else {
            t.narrow(0, start, len)
        }
    };
    let x = narrow(x)?;
    let y = narrow(y)?;
    let shard_masks = match masks {
        Some(masks) => Some(masks.iter().map(narrow).collect::<Result<Vec<_>>>()?),
        None => None,
    };
    let outputs = model.forward(&x, shard_masks.as_deref())?;
    let loss = (loss_sum(task, &outputs, &y)? / batch_rows as f64)?;
    let store = loss.backward()?;
    let grads = model
        .params
        .iter()
        .map(|p| match store.get(p.as_tensor()) {
            Some(g) => Ok(g.clone()),
            None => p.as_tensor().zeros_like(),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((loss.to_scalar::<f32>()? as f64, grads))
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

pub fn batch_gradient(
    model: &Mlp,
    task: Task,
    x: &Tensor,
    y: &Tensor,
    masks: Option<&[Tensor]>,
    plan: ThreadPlan,
) -> Result<BatchGradient> {
    let rows = x.dim(0)?;
    let shards = shard_ranges(rows, plan.count);
    if shards.len() == 1 {
        let (loss, grads) = shard_gradient(model, task, x, y, masks, shards[0], rows)?;
        return Ok(BatchGradient {
            loss,
            grads,
            summation_order: vec![0],
        });
    }

    let (sender, receiver) = mpsc::channel();
    let start_line = Barrier::new(shards.len());
    std::thread::scope(|scope| {
        for (index, range) in shards.iter().copied().enumerate() {
            let sender = sender.clone();
            let start_line = &start_line;
            scope.spawn(move || {
                start_line.wait();
                let result = shard_gradient(model, task, x, y, masks, range, rows);
                // The receiver outlives the scope; a send can only fail if it panicked.
                let _ = sender.send((index, result));
            });
        }
        drop(sender);

        let mut total: Option<(f64, Vec<Tensor>)> = None;
        let mut order = Vec::with_capacity(shards.len());
        let add = |total: &mut Option<(f64, Vec<Tensor>)>,
                   (loss, grads): (f64, Vec<Tensor>)|
         -> Result<()> {
            *total = Some(match total.take() {
                None => (loss, grads),
                Some((sum_loss, sum_grads)) => (
                    sum_loss + loss,
                    sum_grads
                        .iter()
                        .zip(&grads)
                        .map(|(a, b)| a + b)
                        .collect::<Result<Vec<_>>>()?,
                ),
            });
            Ok(())
        };
        if plan.racing {
            // Add each partial gradient the moment its thread finishes.
            for (index, result) in receiver.iter() {
                order.push(index);
                add(&mut total, result?)?;
            }
        } else {
            let mut slots: Vec<Option<(f64, Vec<Tensor>)>> = vec![None; shards.len()];
            for (index, result) in receiver.iter() {
                slots[index] = Some(result?);
            }
            for (index, slot) in slots.into_iter().enumerate() {
                order.push(index);
                add(&mut total, slot.expect("every shard thread sends once"))?;
            }
        }
        let (loss, grads) = total.expect("at least two shards");
        Ok(BatchGradient {
            loss,
            grads,
            summation_order: order,
        })
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
