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

/// The factor a kept unit is scaled by: `1 / (1 − rate)` (inverted dropout, as Keras and
/// PyTorch do), so a layer's expected output does not change.
pub fn keep_scale(rate: f32) -> f32 {
    1.0 / (1.0 - rate)
}

/// A pre-scaled mask `[R, rows, width]`, flat: each unit is kept with probability `1 − rate`
/// and then scaled by [`keep_scale`], or zeroed. The same decisions as [`draw_lane_bits`], one
/// stream at a time; the kernel reads the bits, this form is for checking them.
pub fn draw_mask(streams: &mut [DropoutStream<'_>], units_per_run: usize, rate: f32) -> Vec<f32> {
    let scale = keep_scale(rate);
    let mut mask = Vec::with_capacity(streams.len() * units_per_run);
    let mut bits = Vec::new();
    for stream in streams.iter_mut() {
        draw_lane_bits(std::slice::from_mut(stream), units_per_run, rate, &mut bits);
        mask.extend(bits.iter().map(|b| if *b & 1 != 0 { scale } else { 0.0 }));
    }
    mask
}

/// Each stream's next `units` keep-or-drop decisions, as lane bits for the fused kernel
/// (`engine::fused`): bit `k` of `bits[e]` is set when stream `k` keeps unit `e`. A stopped
/// run draws nothing and keeps nothing. `bits` is resized to `units` (any old contents go).
///
/// Why bits: a pack's masks as f32 lanes were 64 bytes per unit written and read back each
/// step; as bits they are two.
///
/// How a unit is decided, exactly as by a 24-bit uniform `U` (kept when `U ≥ ⌈rate · 2^24⌉`,
/// the threshold `T`) but from a quarter of the stream: `U`'s top byte is the unit's byte of
/// the step's `units` bytes, drawn in one go. A byte above `T`'s top byte keeps the unit, one
/// below drops it; only on a tie (1 in 256) do `U`'s low 16 bits matter, and then they are the
/// top half of one more word of the stream, drawn after the step's bytes, tie after tie in
/// unit order. Drawing the stream was a third of a reference run when every unit took a word.
pub fn draw_lane_bits(
    streams: &mut [DropoutStream<'_>],
    units: usize,
    rate: f32,
    bits: &mut Vec<u16>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { draw_avx512(streams, units, rate, bits) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { draw_avx2(streams, units, rate, bits) };
        }
    }
    draw(streams, units, rate, bits);
}

/// [`draw`] compiled for wider vectors: integer compares and bit moves, the same on any.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2")]
unsafe fn draw_avx512(s: &mut [DropoutStream<'_>], units: usize, rate: f32, bits: &mut Vec<u16>) {
    draw(s, units, rate, bits);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn draw_avx2(s: &mut [DropoutStream<'_>], units: usize, rate: f32, bits: &mut Vec<u16>) {
    draw(s, units, rate, bits);
}

#[inline(always)]
fn draw(streams: &mut [DropoutStream<'_>], units: usize, rate: f32, bits: &mut Vec<u16>) {
    assert!(streams.len() <= 16, "a pack holds at most 16 lanes");
    bits.clear();
    bits.resize(units, 0);
    let threshold = (f64::from(rate) * f64::from(1u32 << 24)).ceil() as u32;
    assert!(threshold < 1 << 24, "a dropout rate below 1");
    let (top, low) = ((threshold >> 16) as u8, threshold & 0xffff);
    let mut first = vec![0u8; units];
    let mut kept = vec![0u8; units];
    let mut packed = Vec::with_capacity(units.div_ceil(8));
    for (k, stream) in streams.iter_mut().enumerate() {
        if !stream.active {
            continue;
        }
        stream.rng.fill_bytes(&mut first);
        for (keep, byte) in kept.iter_mut().zip(&first) {
            *keep = u8::from(*byte > top);
        }
        resolve_ties(&first, top, &mut kept, || {
            u8::from(stream.rng.next_u32() >> 16 >= low)
        });
        for (unit, keep) in bits.iter_mut().zip(&kept) {
            *unit |= u16::from(*keep) << k;
        }
        // The fingerprint: one bit per unit, eight to a byte, unit 8j + i at bit i of byte j.
        packed.clear();
        let chunks = kept.chunks_exact(8);
        let tail = chunks.remainder();
        packed.extend(chunks.map(|eight| pack_eight(eight.try_into().expect("eight"))));
        if !tail.is_empty() {
            let mut eight = [0u8; 8];
            eight[..tail.len()].copy_from_slice(tail);
            packed.push(pack_eight(eight));
        }
        stream.fingerprint.update(&packed);
    }
}

/// Calls `decide()` for each position `e` whose byte equals `byte`, in order, and stores its
/// answer in `kept[e]`. Sixty-four bytes at a time: their ties as the bits of one word (a
/// vector compare where the CPU has one), then only the set bits visited — a tie is 1 in 256,
/// and byte by byte this search cost more than drawing the stream.
#[inline(always)]
fn resolve_ties(bytes: &[u8], byte: u8, kept: &mut [u8], mut decide: impl FnMut() -> u8) {
    let mut chunks = bytes.chunks_exact(64);
    for (c, chunk) in chunks.by_ref().enumerate() {
        let mut ties = 0u64;
        for (i, b) in chunk.iter().enumerate() {
            ties |= u64::from(*b == byte) << i;
        }
        while ties != 0 {
            kept[64 * c + ties.trailing_zeros() as usize] = decide();
            ties &= ties - 1;
        }
    }
    let whole = bytes.len() / 64 * 64;
    for (e, b) in chunks.remainder().iter().enumerate() {
        if *b == byte {
            kept[whole + e] = decide();
        }
    }
}

/// Eight 0-or-1 bytes as the bits of one byte, byte `i` at bit `i`: the multiply moves byte
/// `i`'s bit to bit `56 + i` (the shifted copies never carry into one another).
#[inline(always)]
fn pack_eight(bytes: [u8; 8]) -> u8 {
    (u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
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
    fn lane_bits_are_each_runs_mask_in_its_own_bit() {
        let seeds = [3u64, 4, 5];
        let draw = |lanes: bool| {
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
            let (mut mask, mut bits) = (Vec::new(), vec![0xffff; 7]);
            if lanes {
                draw_lane_bits(&mut streams, 50, 0.3, &mut bits);
            } else {
                mask = draw_mask(&mut streams, 50, 0.3);
            }
            drop(streams);
            let hashes: Vec<Vec<u8>> = hashes.into_iter().map(|h| h.finalize().to_vec()).collect();
            (mask, bits, hashes)
        };
        let (run_major, _, hashes) = draw(false);
        let (_, bits, lane_hashes) = draw(true);
        assert_eq!(hashes, lane_hashes);
        assert_eq!(bits.len(), 50, "old contents are gone");
        for run in 0..3 {
            for unit in 0..50 {
                let kept = bits[unit] >> run & 1 != 0;
                assert_eq!(kept, run_major[run * 50 + unit] != 0.0);
            }
        }
        assert!(bits.iter().all(|b| b >> 3 == 0), "no bits past the runs");
    }

    #[test]
    fn a_unit_is_kept_when_its_24_bit_uniform_reaches_the_threshold() {
        // A tie is 1 in 256: some 150 of 40,000 units take the second draw.
        for rate in [0.1f32, 0.3, 1.0 / 3.0, 0.5, 0.9] {
            let units = 40_000;
            let (mask, _) = alone(2, units, rate);
            let threshold = (f64::from(rate) * f64::from(1u32 << 24)).ceil() as u32;
            // The decisions from the stream by hand: first bytes, then one word per tie.
            let mut reference = SourceRng::new(2);
            let mut first = vec![0u8; units];
            reference.fill_bytes(&mut first);
            let mut ties = 0;
            let top = threshold >> 16;
            for (unit, byte) in mask.iter().zip(&first) {
                let decided = match u32::from(*byte).cmp(&top) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Less => false,
                    std::cmp::Ordering::Equal => {
                        ties += 1;
                        (top << 16 | reference.next_u32() >> 16) >= threshold
                    }
                };
                assert_eq!(*unit != 0.0, decided, "rate {rate}");
            }
            assert!(ties > 50, "rate {rate}: {ties} ties");
        }
    }

    #[test]
    fn every_tie_is_resolved_in_order_wherever_it_is() {
        let mut rng = SourceRng::new(4);
        let mut bytes = vec![0u8; 1_003];
        rng.fill_bytes(&mut bytes);
        for byte in [0u8, 1, 0x19, 0x7f, 0x80, 0xf3, 0xff] {
            let mut kept = vec![0u8; bytes.len()];
            let mut count = 0u8;
            resolve_ties(&bytes, byte, &mut kept, || {
                count += 1;
                count
            });
            let expected: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == byte).collect();
            let found: Vec<usize> = (0..bytes.len()).filter(|&i| kept[i] != 0).collect();
            assert_eq!(found, expected, "{byte:#x}");
            let order: Vec<u8> = expected.iter().map(|&i| kept[i]).collect();
            assert_eq!(
                order,
                (1..=expected.len() as u8).collect::<Vec<_>>(),
                "in order"
            );
        }
    }

    #[test]
    fn eight_decisions_pack_into_one_byte_in_unit_order() {
        for value in 0u8..=255 {
            let bytes: [u8; 8] = std::array::from_fn(|i| value >> i & 1);
            assert_eq!(pack_eight(bytes), value);
        }
    }

    #[test]
    fn the_share_kept_is_one_minus_the_rate_within_sampling_error() {
        // 10^6 units: the standard error of the kept share is below 5e-4.
        for rate in [0.05f32, 0.1, 0.5, 0.95] {
            let (mask, _) = alone(8, 1_000_000, rate);
            let kept = mask.iter().filter(|m| **m != 0.0).count() as f64 / 1e6;
            let expected = 1.0 - f64::from(rate);
            assert!((kept - expected).abs() < 0.002, "rate {rate}: kept {kept}");
        }
    }
}
