//! One mini-batch row of every run of a pack, side by side in the fused kernel's lane layout.
//!
//! Why its own code: run `k`'s row goes to lane `k` of each feature, a transpose. Value by
//! value it was a quarter of a digits run (64 features, sixteen runs, every step); a pack of
//! sixteen runs and a multiple of sixteen features is transposed sixteen by sixteen in AVX-512
//! registers instead. It only moves values, so the bits cannot change.

/// Writes `sources[k][i]` to `out[i * lanes + k]` for every source `k` and feature `i <
/// features`; lanes past the sources are left as they are.
pub(super) fn interleave_row(sources: &[&[f32]], features: usize, lanes: usize, out: &mut [f32]) {
    assert!(out.len() >= features * lanes && sources.len() <= lanes);
    assert!(sources.iter().all(|s| s.len() >= features));
    #[cfg(target_arch = "x86_64")]
    {
        if lanes == 16
            && sources.len() == 16
            && features.is_multiple_of(16)
            && std::arch::is_x86_feature_detected!("avx512f")
        {
            // SAFETY: the CPU has AVX-512F; the lengths were checked above.
            return unsafe { transpose_16s(sources, features, out) };
        }
    }
    for (i, slot) in out[..features * lanes].chunks_exact_mut(lanes).enumerate() {
        for (value, source) in slot.iter_mut().zip(sources) {
            *value = source[i];
        }
    }
}

/// Sixteen sources, sixteen features at a time: load a 16×16 block, transpose it, store it.
///
/// # Safety
/// AVX-512F must be available; 16 sources of at least `features` values, `features` a multiple
/// of 16, and `out` at least `features * 16` long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn transpose_16s(sources: &[&[f32]], features: usize, out: &mut [f32]) {
    use std::arch::x86_64::*;
    for i0 in (0..features).step_by(16) {
        // SAFETY (every load and store): i0 + 16 ≤ features ≤ each source's length, and the
        // 16 stores of 16 values end at (i0 + 16) · 16 ≤ out.len().
        let rows: [__m512; 16] =
            // SAFETY: as above: in bounds, on a CPU with AVX-512F (checked by the caller).
            std::array::from_fn(|k| unsafe { _mm512_loadu_ps(sources[k].as_ptr().add(i0)) });
        let columns = crate::engine::transpose::transpose_16x16(&rows);
        for (i, column) in columns.into_iter().enumerate() {
            // SAFETY: as above: in bounds, on a CPU with AVX-512F (checked by the caller).
            unsafe { _mm512_storeu_ps(out.as_mut_ptr().add((i0 + i) * 16), column) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_lands_in_its_own_lane_for_every_shape() {
        for (runs, lanes, features) in [(16, 16, 64), (16, 16, 16), (16, 16, 2), (5, 8, 64)] {
            let rows: Vec<Vec<f32>> = (0..runs)
                .map(|k| (0..features).map(|i| (k * 1000 + i) as f32).collect())
                .collect();
            let sources: Vec<&[f32]> = rows.iter().map(|r| r.as_slice()).collect();
            let mut out = vec![-1.0f32; features * lanes];
            interleave_row(&sources, features, lanes, &mut out);
            for i in 0..features {
                for k in 0..lanes {
                    let expected = if k < runs {
                        (k * 1000 + i) as f32
                    } else {
                        -1.0
                    };
                    assert_eq!(
                        out[i * lanes + k],
                        expected,
                        "{runs} runs, feature {i}, lane {k}"
                    );
                }
            }
        }
    }
}
