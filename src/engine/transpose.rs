//! A 16×16 transpose of 32-bit values in AVX-512 registers, shared by the two places that turn
//! sixteen of something side by side into sixteen of something one after another: a pack's
//! mini-batch rows (`train/interleave.rs`) and sixteen ChaCha blocks (`seeds/chacha.rs`).
//! It only moves bits.

/// `out[i]` lane `k` is `rows[k]` lane `i`.
///
/// # Safety
/// AVX-512F must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(crate) fn transpose_16x16(
    rows: &[std::arch::x86_64::__m512; 16],
) -> [std::arch::x86_64::__m512; 16] {
    use std::arch::x86_64::*;
    let r = rows;
    // Pairs of rows interleaved, within each 128-bit lane: r0[0] r1[0] r0[1] r1[1] | …
    let t: [__m512; 16] = std::array::from_fn(|n| {
        let (a, b) = (r[n / 2 * 2], r[n / 2 * 2 + 1]);
        if n % 2 == 0 {
            _mm512_unpacklo_ps(a, b)
        } else {
            _mm512_unpackhi_ps(a, b)
        }
    });
    // Quads: u[4g + e] holds rows 4g..4g+4 at column 4j + e in its 128-bit lane j.
    let u: [__m512; 16] = std::array::from_fn(|n| {
        let (g, e) = (n / 4, n % 4);
        let (a, b) = (t[4 * g + e / 2], t[4 * g + 2 + e / 2]);
        if e % 2 == 0 {
            _mm512_shuffle_ps::<0x44>(a, b)
        } else {
            _mm512_shuffle_ps::<0xEE>(a, b)
        }
    });
    // The 128-bit lanes of the four quads transposed: column 4j + e's sixteen rows.
    let mut out = [_mm512_setzero_ps(); 16];
    for e in 0..4 {
        let (a, b, c, d) = (u[e], u[4 + e], u[8 + e], u[12 + e]);
        let v0 = _mm512_shuffle_f32x4::<0x44>(a, b);
        let v1 = _mm512_shuffle_f32x4::<0xEE>(a, b);
        let v2 = _mm512_shuffle_f32x4::<0x44>(c, d);
        let v3 = _mm512_shuffle_f32x4::<0xEE>(c, d);
        out[e] = _mm512_shuffle_f32x4::<0x88>(v0, v2);
        out[4 + e] = _mm512_shuffle_f32x4::<0xDD>(v0, v2);
        out[8 + e] = _mm512_shuffle_f32x4::<0x88>(v1, v3);
        out[12 + e] = _mm512_shuffle_f32x4::<0xDD>(v1, v3);
    }
    out
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn every_value_moves_to_the_mirrored_place() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return; // nothing to check on this CPU: the callers use their portable loops
        }
        use std::arch::x86_64::*;
        let values: Vec<f32> = (0..256).map(|v| v as f32).collect();
        // SAFETY: AVX-512F checked above; each load reads 16 of the 256 values.
        let rows: [__m512; 16] =
            std::array::from_fn(|k| unsafe { _mm512_loadu_ps(values.as_ptr().add(16 * k)) });
        // SAFETY: AVX-512F checked above.
        let columns = unsafe { transpose_16x16(&rows) };
        let mut out = [0f32; 256];
        for (i, column) in columns.iter().enumerate() {
            // SAFETY: AVX-512F checked above; each store writes 16 of the 256 values.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(16 * i), *column) };
        }
        for i in 0..16 {
            for k in 0..16 {
                assert_eq!(out[16 * i + k], values[16 * k + i], "column {i}, lane {k}");
            }
        }
    }
}
