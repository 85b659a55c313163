//! The fused multi-run training step: forward, loss and backward of up to 16 runs at once, one
//! run per vector lane, in one pass per mini-batch row over data that stays in cache.
//!
//! Why: at these sizes a step of one run is a few tens of thousands of FLOPs, so a candle
//! program spends most of a step in per-operation overhead and in passes over memory, not in
//! arithmetic. Here R runs are cut into *packs* of up to [`MAX_LANES`] runs and every value of a
//! pack is stored *lane-minor*: element `e` of run `k` sits at `e * lanes + k`. Each
//! multiply-add of the MLP is then one vector instruction over the pack's runs
//! (AVX-512: 16 runs, AVX2: 8, SSE: 4, with the same bits on each).
//!
//! Why a run's bits do not depend on its pack (`tests/batching.rs`): lanes never meet. Every
//! operation on lane `k` reads only lane `k`; sums run over rows and inputs in a fixed order;
//! multiply-adds are fused (`f32::mul_add`, one rounding, the same result in hardware or in
//! libm's software fallback); the loss is the same correctly rounded operations on every lane
//! (`lane_loss.rs`: no libm call, whose results could vary). So a
//! run gets the same bits in lane 0 of a one-lane pack, trained alone, as in lane 11 of a
//! sixteen-lane pack, and on any x86-64 CPU, whatever vector width it has.
//!
//! Files: this one holds the packing and the layout conversions; `kernel.rs` the step itself;
//! `lane_loss.rs` the loss across lanes; `tiles.rs` its register-tiled dense loops; `isa.rs`
//! its lane operations for each instruction set.

pub(crate) mod isa;
mod kernel;
mod lane_loss;
mod slices;
mod tiles;

pub use kernel::{PackInput, PackMasks, pack_gradient};

/// The most runs a pack holds: one AVX-512 register of f32.
pub const MAX_LANES: usize = 16;

/// How many runs a pack holds side by side: only the widths the kernel is compiled for can
/// be named, so no pack can ask for a kernel that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lanes {
    One,
    Two,
    Four,
    Eight,
    Sixteen,
}

impl Lanes {
    pub const ALL: [Lanes; 5] = [
        Lanes::One,
        Lanes::Two,
        Lanes::Four,
        Lanes::Eight,
        Lanes::Sixteen,
    ];

    pub fn count(self) -> usize {
        match self {
            Lanes::One => 1,
            Lanes::Two => 2,
            Lanes::Four => 4,
            Lanes::Eight => 8,
            Lanes::Sixteen => 16,
        }
    }

    /// The narrowest width that holds `runs` runs, or the widest for more.
    pub fn holding(runs: usize) -> Lanes {
        Lanes::ALL
            .into_iter()
            .find(|lanes| lanes.count() >= runs)
            .unwrap_or(Lanes::Sixteen)
    }
}

/// Runs `first..first + runs` of a batch, stored in `lanes` lanes (the rest are zeros).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pack {
    pub first: usize,
    pub runs: usize,
    pub lanes: Lanes,
}

/// How a batch of runs is cut into packs: packs of [`MAX_LANES`] while that many runs are
/// left, then one pack of the smallest supported width that holds the rest (a run alone is a
/// one-lane pack: no lanes wasted on the runs that train by themselves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packing {
    pub runs: usize,
    pub packs: Vec<Pack>,
}

impl Packing {
    pub fn new(runs: usize) -> Packing {
        let mut packs = Vec::new();
        let mut first = 0;
        while first < runs {
            let left = runs - first;
            let lanes = Lanes::holding(left.min(MAX_LANES));
            let taken = left.min(lanes.count());
            packs.push(Pack {
                first,
                runs: taken,
                lanes,
            });
            first += taken;
        }
        Packing { runs, packs }
    }

    /// Run-major parameters (`[R, …]` flat, one vector per parameter, as `Mlp::param_values`
    /// gives them) in the packs' lane layout: pack by pack, parameter by parameter.
    pub fn to_lanes(&self, run_major: &[Vec<f32>]) -> Vec<Vec<f32>> {
        let mut out = Vec::with_capacity(self.packs.len() * run_major.len());
        for pack in &self.packs {
            for param in run_major {
                let per_run = param.len() / self.runs;
                out.push(interleave(pack, per_run, |k| {
                    &param[(pack.first + k) * per_run..]
                }));
            }
        }
        out
    }

    /// The inverse of [`Self::to_lanes`]: `params` parameters per pack, back in run-major order.
    pub fn to_run_major(&self, lanes: &[Vec<f32>], params: usize) -> Vec<Vec<f32>> {
        (0..params)
            .map(|p| {
                let per_run = lanes[p].len() / self.packs[0].lanes.count();
                let mut param = vec![0.0f32; per_run * self.runs];
                for (index, pack) in self.packs.iter().enumerate() {
                    let values = &lanes[index * params + p];
                    for k in 0..pack.runs {
                        let run =
                            &mut param[(pack.first + k) * per_run..(pack.first + k + 1) * per_run];
                        for (e, value) in run.iter_mut().enumerate() {
                            *value = values[e * pack.lanes.count() + k];
                        }
                    }
                }
                param
            })
            .collect()
    }

    /// The pack holding run `run`, and the run's lane in it.
    pub fn locate(&self, run: usize) -> (usize, usize) {
        let index = self
            .packs
            .iter()
            .position(|p| run < p.first + p.runs)
            .expect("the run is in the batch");
        (index, run - self.packs[index].first)
    }
}

/// One pack's values in lanes: `run_values(k)` gives the pack's run `k` (batch run
/// `pack.first + k`) as `per_run` values; element `e` of it lands at `e * lanes + k`, and the
/// padding lanes are zeros.
pub fn interleave<'a>(
    pack: &Pack,
    per_run: usize,
    run_values: impl Fn(usize) -> &'a [f32],
) -> Vec<f32> {
    let mut lanes = vec![0.0f32; per_run * pack.lanes.count()];
    for k in 0..pack.runs {
        for (e, value) in run_values(k)[..per_run].iter().enumerate() {
            lanes[e * pack.lanes.count() + k] = *value;
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_cover_the_runs_with_few_empty_lanes() {
        let widths = |runs| -> Vec<(usize, usize)> {
            Packing::new(runs)
                .packs
                .iter()
                .map(|p| (p.runs, p.lanes.count()))
                .collect()
        };
        assert_eq!(widths(1), vec![(1, 1)]);
        assert_eq!(widths(3), vec![(3, 4)]);
        assert_eq!(widths(16), vec![(16, 16)]);
        assert_eq!(widths(30), vec![(16, 16), (14, 16)]);
        assert_eq!(widths(32), vec![(16, 16), (16, 16)]);
        assert_eq!(widths(37), vec![(16, 16), (16, 16), (5, 8)]);
    }

    #[test]
    fn lane_layout_round_trips_and_puts_each_run_in_its_own_lane() {
        let packing = Packing::new(19);
        // Two parameters: 3 values and 2 values per run; value = run * 10 + element.
        let params: Vec<Vec<f32>> = [3usize, 2]
            .iter()
            .map(|&n| (0..19 * n).map(|i| ((i / n) * 10 + i % n) as f32).collect())
            .collect();
        let lanes = packing.to_lanes(&params);
        assert_eq!(lanes.len(), 2 * packing.packs.len());
        // Run 17 is lane 1 of the second pack (4 lanes): its element 2 of parameter 0.
        assert_eq!(packing.locate(17), (1, 1));
        assert_eq!(lanes[2][2 * 4 + 1], 172.0);
        assert_eq!(packing.to_run_major(&lanes, 2), params);
    }
}
