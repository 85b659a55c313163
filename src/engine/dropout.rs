//! Dropout masks for one mini-batch of R runs, each from its own run's dropout stream.
//!
//! Masks are drawn before the batch is sharded over threads, so they do not depend on the
//! thread count, and each run's mask depends only on its own stream, so it does not depend on
//! which runs share the batch. candle's own dropout draws from an unseedable thread RNG
//! (ARCHITECTURE.md, "Invariants"); it is never used.

use sha2::{Digest, Sha256};

use crate::engine::seeds::SourceRng;

/// One run's dropout stream and the fingerprint of what it drew.
pub struct DropoutStream<'a> {
    pub rng: &'a mut SourceRng,
    /// Updated with one bit per unit (kept or dropped), packed eight to a byte.
    pub fingerprint: &'a mut Sha256,
    /// A run that has stopped training draws nothing and gets an all-zero mask.
    pub active: bool,
}

/// A pre-scaled mask `[R, rows, width]`, flat: each unit is kept with probability `1 − rate`
/// and then scaled by `1 / (1 − rate)` (inverted dropout, as Keras and PyTorch do), or zeroed.
pub fn draw_mask(streams: &mut [DropoutStream<'_>], units_per_run: usize, rate: f32) -> Vec<f32> {
    let mut mask = vec![0f32; streams.len() * units_per_run];
    draw_into(streams, units_per_run, rate, &mut mask, (units_per_run, 1));
    mask
}

/// The same masks as [`draw_mask`], in the fused kernel's lane layout (`engine::fused`):
/// unit `e` of stream `k` at `e * lanes + k`; lanes past the streams are zeros.
pub fn draw_mask_lanes(
    streams: &mut [DropoutStream<'_>],
    units_per_run: usize,
    rate: f32,
    lanes: usize,
) -> Vec<f32> {
    let mut mask = vec![0f32; units_per_run * lanes];
    draw_into(streams, units_per_run, rate, &mut mask, (1, lanes));
    mask
}

/// Draws each active stream's `units` decisions in order into `mask`, unit `e` of stream `k`
/// at `k * run_stride + e * unit_stride`; a stopped run's units stay zeros.
fn draw_into(
    streams: &mut [DropoutStream<'_>],
    units: usize,
    rate: f32,
    mask: &mut [f32],
    (run_stride, unit_stride): (usize, usize),
) {
    let scale = 1.0 / (1.0 - rate);
    // A unit is kept when its uniform (`SourceRng::uniform_f32`: `(word >> 8) / 2^24`) is at least
    // `rate`; both sides scaled by 2^24 (exact), that is `word >> 8 >= ⌈rate · 2^24⌉`, an
    // integer comparison.
    let threshold = (f64::from(rate) * f64::from(1u32 << 24)).ceil() as u32;
    let mut words = vec![0u32; units];
    let mut values = vec![0f32; units];
    let mut packed = vec![0u8; units.div_ceil(8)];
    for (run, stream) in streams.iter_mut().enumerate() {
        if !stream.active {
            continue;
        }
        stream.rng.fill_u32(&mut words);
        // Contiguous first (the compiler vectorises it), then placed: a strided store in the
        // same loop as the comparison kept it from vectorising and cost 3× as much.
        for (value, word) in values.iter_mut().zip(&words) {
            *value = if word >> 8 >= threshold { scale } else { 0.0 };
        }
        if unit_stride == 1 {
            mask[run * run_stride..run * run_stride + units].copy_from_slice(&values);
        } else {
            let slots = mask[run * run_stride..].iter_mut().step_by(unit_stride);
            for (slot, value) in slots.zip(&values) {
                *slot = *value;
            }
        }
        for (byte, units) in packed.iter_mut().zip(values.chunks(8)) {
            *byte = units
                .iter()
                .enumerate()
                .fold(0, |bits, (i, unit)| bits | (u8::from(*unit != 0.0) << i));
        }
        stream.fingerprint.update(&packed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One active run's mask drawn from a fresh stream, and its fingerprint.
    fn alone(seed: u64, units: usize, rate: f32) -> (Vec<f32>, Vec<u8>) {
        let (mut rng, mut hash) = (SourceRng::new(seed), Sha256::new());
        let mut streams = [DropoutStream {
            rng: &mut rng,
            fingerprint: &mut hash,
            active: true,
        }];
        let mask = draw_mask(&mut streams, units, rate);
        (mask, hash.finalize().to_vec())
    }

    #[test]
    fn masks_keep_the_expected_share_and_scale_it() {
        let (mask, _) = alone(11, 10_000, 0.25);
        let kept = mask.iter().filter(|m| **m != 0.0).count();
        assert!((7_200..7_800).contains(&kept), "kept {kept} of 10000");
        assert!(mask.iter().all(|m| *m == 0.0 || *m == 1.0 / 0.75));
    }

    #[test]
    fn a_runs_mask_and_fingerprint_do_not_depend_on_its_neighbours() {
        let (mask_alone, fingerprint_alone) = alone(5, 100, 0.5);
        let (mut a, mut b, mut c) = (SourceRng::new(9), SourceRng::new(5), SourceRng::new(8));
        let mut hashes = [Sha256::new(), Sha256::new(), Sha256::new()];
        let [ha, hb, hc] = &mut hashes;
        let mut streams = [
            DropoutStream {
                rng: &mut a,
                fingerprint: ha,
                active: true,
            },
            DropoutStream {
                rng: &mut b,
                fingerprint: hb,
                active: true,
            },
            DropoutStream {
                rng: &mut c,
                fingerprint: hc,
                active: false,
            },
        ];
        let mask = draw_mask(&mut streams, 100, 0.5);
        assert_eq!(mask[100..200], mask_alone[..]);
        assert!(
            mask[200..].iter().all(|m| *m == 0.0),
            "a stopped run draws nothing"
        );
        assert_eq!(hashes[1].clone().finalize().to_vec(), fingerprint_alone);
    }

    #[test]
    fn lane_masks_are_the_same_masks_interleaved() {
        let seeds = [3u64, 4, 5];
        let draw = |lanes: Option<usize>| {
            let mut rngs: Vec<SourceRng> = seeds.iter().map(|s| SourceRng::new(*s)).collect();
            let mut hashes = vec![Sha256::new(); 3];
            let mut streams: Vec<DropoutStream> = rngs
                .iter_mut()
                .zip(hashes.iter_mut())
                .map(|(rng, fingerprint)| DropoutStream {
                    rng,
                    fingerprint,
                    active: true,
                })
                .collect();
            let mask = match lanes {
                Some(lanes) => draw_mask_lanes(&mut streams, 50, 0.3, lanes),
                None => draw_mask(&mut streams, 50, 0.3),
            };
            drop(streams);
            let hashes: Vec<Vec<u8>> = hashes.into_iter().map(|h| h.finalize().to_vec()).collect();
            (mask, hashes)
        };
        let (run_major, hashes) = draw(None);
        let (lanes, lane_hashes) = draw(Some(4));
        assert_eq!(hashes, lane_hashes);
        for run in 0..3 {
            for unit in 0..50 {
                assert_eq!(lanes[unit * 4 + run], run_major[run * 50 + unit]);
            }
        }
        assert!(
            (0..50).all(|unit| lanes[unit * 4 + 3] == 0.0),
            "the padding lane"
        );
    }

    #[test]
    fn the_mask_is_the_streams_uniforms_thresholded() {
        for rate in [0.1f32, 0.3, 1.0 / 3.0, 0.5, 0.9] {
            let (mask, _) = alone(2, 4_000, rate);
            let mut reference = SourceRng::new(2);
            for unit in mask {
                assert_eq!(unit != 0.0, reference.uniform_f32() >= rate, "rate {rate}");
            }
        }
    }
}
