//! The kernel's three dense loops for packs of more than one lane, register-tiled.
//!
//! Why tiles: an untiled loop loads two operands for every multiply-add (a row's input and a
//! weight, or an input and a gradient), so it waits on loads, not on the FMA units; and the
//! back-propagated sum over outputs was one long dependency chain per unit, each multiply-add
//! waiting for the last. A tile keeps a small grid of sums in registers and reuses every load
//! across a row or column of the grid.
//!
//! Why the bits do not change: a tile only chooses which sums advance together. Each sum still
//! starts where it did and adds its terms in the same order (a pre-activation over inputs
//! `i = 0, 1, …`, a weight gradient over the block's rows in order, a back-propagated gradient
//! over outputs `j = 0, 1, …`), one fused multiply-add each.

use super::isa::Isa;

type Lanes<const L: usize> = [f32; L];

/// `z[b][j] = Σ_i x[b][i] · w[i][j]` for the block's `B` rows (`x` is `[B][fan_in]`, `w`
/// `[fan_in][fan_out]`, `z` `[B][fan_out]`), four outputs at a time.
#[inline(always)]
pub(super) fn forward<I: Isa, const L: usize, const B: usize>(
    isa: I,
    x: &[Lanes<L>],
    w: &[Lanes<L>],
    z: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
) {
    let mut j = 0;
    while j + 4 <= fan_out {
        forward_tile::<I, L, B, 4>(isa, x, w, z, (fan_in, fan_out), j);
        j += 4;
    }
    while j + 2 <= fan_out {
        forward_tile::<I, L, B, 2>(isa, x, w, z, (fan_in, fan_out), j);
        j += 2;
    }
    while j < fan_out {
        forward_tile::<I, L, B, 1>(isa, x, w, z, (fan_in, fan_out), j);
        j += 1;
    }
}

#[inline(always)]
fn forward_tile<I: Isa, const L: usize, const B: usize, const J: usize>(
    isa: I,
    x: &[Lanes<L>],
    w: &[Lanes<L>],
    z: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
    j0: usize,
) {
    let mut acc = [[[0.0f32; L]; B]; J];
    for i in 0..fan_in {
        let w_row = &w[i * fan_out + j0..i * fan_out + j0 + J];
        for b in 0..B {
            let xi = &x[b * fan_in + i];
            for (jt, wij) in w_row.iter().enumerate() {
                isa.fma(&mut acc[jt][b], xi, wij);
            }
        }
    }
    for (jt, column) in acc.iter().enumerate() {
        for (b, value) in column.iter().enumerate() {
            z[b * fan_out + j0 + jt] = *value;
        }
    }
}

/// `gw[i][j] += Σ_b x[b][i] · g[b][j]` over the block's rows in order: four inputs by four
/// outputs at a time.
#[inline(always)]
pub(super) fn weight_gradient<I: Isa, const L: usize, const B: usize>(
    isa: I,
    x: &[Lanes<L>],
    g: &[Lanes<L>],
    gw: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
) {
    let mut i = 0;
    while i + 4 <= fan_in {
        weight_gradient_rows::<I, L, B, 4>(isa, x, g, gw, (fan_in, fan_out), i);
        i += 4;
    }
    while i < fan_in {
        weight_gradient_rows::<I, L, B, 1>(isa, x, g, gw, (fan_in, fan_out), i);
        i += 1;
    }
}

/// Inputs `i0..i0 + R` of [`weight_gradient`], across every output.
#[inline(always)]
fn weight_gradient_rows<I: Isa, const L: usize, const B: usize, const R: usize>(
    isa: I,
    x: &[Lanes<L>],
    g: &[Lanes<L>],
    gw: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
    i0: usize,
) {
    let mut j = 0;
    while j + 4 <= fan_out {
        weight_gradient_tile::<I, L, B, R, 4>(isa, x, g, gw, (fan_in, fan_out), (i0, j));
        j += 4;
    }
    while j < fan_out {
        weight_gradient_tile::<I, L, B, R, 1>(isa, x, g, gw, (fan_in, fan_out), (i0, j));
        j += 1;
    }
}

#[inline(always)]
fn weight_gradient_tile<I: Isa, const L: usize, const B: usize, const R: usize, const J: usize>(
    isa: I,
    x: &[Lanes<L>],
    g: &[Lanes<L>],
    gw: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
    (i0, j0): (usize, usize),
) {
    let mut acc = [[[0.0f32; L]; J]; R];
    for (it, row) in acc.iter_mut().enumerate() {
        row.copy_from_slice(&gw[(i0 + it) * fan_out + j0..(i0 + it) * fan_out + j0 + J]);
    }
    for b in 0..B {
        let g_row = &g[b * fan_out + j0..b * fan_out + j0 + J];
        for (it, row) in acc.iter_mut().enumerate() {
            let xi = &x[b * fan_in + i0 + it];
            for (sum, gj) in row.iter_mut().zip(g_row) {
                isa.fma(sum, xi, gj);
            }
        }
    }
    for (it, row) in acc.iter().enumerate() {
        gw[(i0 + it) * fan_out + j0..(i0 + it) * fan_out + j0 + J].copy_from_slice(row);
    }
}

/// `below[b][i] = (Σ_j g[b][j] · w[i][j]) · slope[b][i]`: the gradient with respect to the
/// layer below's pre-activation, four inputs of two rows at a time.
#[inline(always)]
pub(super) fn back_propagate<I: Isa, const L: usize, const B: usize>(
    isa: I,
    g: &[Lanes<L>],
    w: &[Lanes<L>],
    slope: &[Lanes<L>],
    below: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
) {
    let mut b = 0;
    while b + 2 <= B {
        back_propagate_rows::<I, L, 2>(isa, g, w, slope, below, (fan_in, fan_out), b);
        b += 2;
    }
    while b < B {
        back_propagate_rows::<I, L, 1>(isa, g, w, slope, below, (fan_in, fan_out), b);
        b += 1;
    }
}

/// Rows `b0..b0 + R` of [`back_propagate`].
#[inline(always)]
fn back_propagate_rows<I: Isa, const L: usize, const R: usize>(
    isa: I,
    g: &[Lanes<L>],
    w: &[Lanes<L>],
    slope: &[Lanes<L>],
    below: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
    b0: usize,
) {
    let mut i = 0;
    while i + 4 <= fan_in {
        back_propagate_tile::<I, L, R, 4>(isa, g, w, slope, below, (fan_in, fan_out), (b0, i));
        i += 4;
    }
    while i < fan_in {
        back_propagate_tile::<I, L, R, 1>(isa, g, w, slope, below, (fan_in, fan_out), (b0, i));
        i += 1;
    }
}

#[inline(always)]
fn back_propagate_tile<I: Isa, const L: usize, const R: usize, const T: usize>(
    isa: I,
    g: &[Lanes<L>],
    w: &[Lanes<L>],
    slope: &[Lanes<L>],
    below: &mut [Lanes<L>],
    (fan_in, fan_out): (usize, usize),
    (b0, i0): (usize, usize),
) {
    let mut acc = [[[0.0f32; L]; T]; R];
    for j in 0..fan_out {
        for (bt, row) in acc.iter_mut().enumerate() {
            let gj = &g[(b0 + bt) * fan_out + j];
            for (it, sum) in row.iter_mut().enumerate() {
                isa.fma(sum, gj, &w[(i0 + it) * fan_out + j]);
            }
        }
    }
    for (bt, row) in acc.iter().enumerate() {
        for (it, sum) in row.iter().enumerate() {
            let at = (b0 + bt) * fan_in + i0 + it;
            isa.mul(&mut below[at], sum, &slope[at]);
        }
    }
}
