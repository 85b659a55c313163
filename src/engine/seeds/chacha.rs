//! The blocks of a ChaCha8 stream, sixteen at a time: the words `rand_chacha::ChaCha8Rng`
//! (stream 0) gives, in its order, from any block on.
//!
//! Why its own code: drawing the dropout masks reads a byte of the stream per unit and row,
//! and rand_chacha's refill (four blocks in AVX2 registers) was an eighth of a reference run.
//! With AVX-512 the sixteen blocks are computed side by side, one state word per register
//! (one block per lane, the rotations as single instructions), then transposed so each
//! block's words lie in order. Elsewhere rand_chacha fills the same sixteen blocks; a test
//! holds the two to the same words.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Words in sixteen 16-word blocks.
pub(super) const WORDS: usize = 256;

/// "expand 32-byte k", ChaCha's first four words.
// Read only by the AVX-512 path (x86_64), so unused on other machines.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const CONSTANTS: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha8 keyed by `key`: double rounds per block.
// Read only by the AVX-512 path (x86_64), so unused on other machines.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const DOUBLE_ROUNDS: usize = 4;

/// Writes blocks `first..first + 16` of the stream keyed by `key` into `out`, block after
/// block, each block's words in order.
pub(super) fn sixteen_blocks(key: &[u8; 32], first: u64, out: &mut [u32; WORDS]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { sixteen_blocks_avx512(key, first, out) };
        }
    }
    sixteen_blocks_by_rand_chacha(key, first, out);
}

/// The same words from rand_chacha itself.
pub(super) fn sixteen_blocks_by_rand_chacha(key: &[u8; 32], first: u64, out: &mut [u32; WORDS]) {
    let mut rng = ChaCha8Rng::from_seed(*key);
    rng.set_word_pos(u128::from(first) * 16);
    for word in out.iter_mut() {
        *word = rng.next_u32();
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn sixteen_blocks_avx512(key: &[u8; 32], first: u64, out: &mut [u32; WORDS]) {
    use std::arch::x86_64::*;
    let splat = |word: u32| _mm512_set1_epi32(word as i32);
    let key_word = |i: usize| u32::from_le_bytes(key[4 * i..4 * i + 4].try_into().unwrap());
    // Lane l computes block first + l: the 64-bit counter in words 12 (low) and 13 (high),
    // the low word's carry added to the high one; words 14 and 15 are the stream, 0.
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let low = _mm512_add_epi32(splat(first as u32), lanes);
    let carried = _mm512_cmplt_epu32_mask(low, splat(first as u32));
    let high = _mm512_mask_add_epi32(
        splat((first >> 32) as u32),
        carried,
        splat((first >> 32) as u32),
        splat(1),
    );
    let input: [__m512i; 16] = std::array::from_fn(|w| match w {
        0..4 => splat(CONSTANTS[w]),
        4..12 => splat(key_word(w - 4)),
        12 => low,
        13 => high,
        _ => _mm512_setzero_si512(),
    });
    let mut x = input;
    // One quarter round on state words a, b, c, d of all sixteen blocks.
    macro_rules! quarter {
        ($a:literal, $b:literal, $c:literal, $d:literal) => {
            x[$a] = _mm512_add_epi32(x[$a], x[$b]);
            x[$d] = _mm512_rol_epi32::<16>(_mm512_xor_si512(x[$d], x[$a]));
            x[$c] = _mm512_add_epi32(x[$c], x[$d]);
            x[$b] = _mm512_rol_epi32::<12>(_mm512_xor_si512(x[$b], x[$c]));
            x[$a] = _mm512_add_epi32(x[$a], x[$b]);
            x[$d] = _mm512_rol_epi32::<8>(_mm512_xor_si512(x[$d], x[$a]));
            x[$c] = _mm512_add_epi32(x[$c], x[$d]);
            x[$b] = _mm512_rol_epi32::<7>(_mm512_xor_si512(x[$b], x[$c]));
        };
    }
    for _ in 0..DOUBLE_ROUNDS {
        quarter!(0, 4, 8, 12);
        quarter!(1, 5, 9, 13);
        quarter!(2, 6, 10, 14);
        quarter!(3, 7, 11, 15);
        quarter!(0, 5, 10, 15);
        quarter!(1, 6, 11, 12);
        quarter!(2, 7, 8, 13);
        quarter!(3, 4, 9, 14);
    }
    let words: [__m512; 16] =
        std::array::from_fn(|w| _mm512_castsi512_ps(_mm512_add_epi32(x[w], input[w])));
    let blocks = crate::engine::transpose::transpose_16x16(&words);
    for (b, block) in blocks.into_iter().enumerate() {
        // SAFETY: block b's sixteen words end at 16 · (b + 1) ≤ WORDS.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(16 * b).cast(), block) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path gives rand_chacha's words: several keys, from the first block, mid-stream,
    /// and across the low counter word's carry into the high one.
    #[test]
    fn the_blocks_are_rand_chachas() {
        for (k, first) in [0u64, 16, 4_096 + 3, (1 << 32) - 5, u64::MAX - 40]
            .into_iter()
            .enumerate()
        {
            let key: [u8; 32] = std::array::from_fn(|i| (i * 37 + k * 101) as u8);
            let (mut ours, mut theirs) = ([0u32; WORDS], [0u32; WORDS]);
            sixteen_blocks(&key, first, &mut ours);
            sixteen_blocks_by_rand_chacha(&key, first, &mut theirs);
            assert_eq!(ours, theirs, "block {first}");
            // And rand_chacha's words from the start of its stream, drawn one by one.
            if first == 0 {
                let mut rng = ChaCha8Rng::from_seed(key);
                let drawn: Vec<u32> = (0..WORDS).map(|_| rng.next_u32()).collect();
                assert_eq!(ours.to_vec(), drawn);
            }
        }
    }
}
