//! The loss and its output gradient for one mini-batch row of every lane at once, in f32,
//! with `exp` and `ln` written here.
//!
//! Why: computed lane by lane in f64 through libm (`engine::loss`), the loss took a fifth of a
//! reference step: an `exp` and a `log1p` per row per run, none of them vectorised. Here each
//! operation runs on all of a pack's lanes together, and the compiler turns every loop over
//! lanes into vector instructions (inside the kernel's `#[target_feature]` functions).
//!
//! Why not libm: its results may differ between versions and it has no vector form. These use
//! only IEEE operations that are correctly rounded (`+`, `−`, `×`, `÷`, fused multiply-add,
//! comparisons and bit moves), so a lane's bits are the same on every CPU, instruction set and
//! lane count. The polynomials are Cephes' `expf` and `logf` (errors of a few units in the last
//! place, far below the loss's own noise between runs).

use crate::engine::data::Task;

type Lanes<const L: usize> = [f32; L];

/// ln 2 in two parts (Cody–Waite): the high part has few bits, so `n · LN2_HIGH` is exact.
const LN2_HIGH: f32 = 355.0 / 512.0;
const LN2_LOW: f32 = -2.121_944_4e-4;

/// `e^x` for `x ≤ 0` (NaN stays NaN). Below −87 it returns `e^−87` (≈1.6e−38) rather than a
/// subnormal or zero: the difference is below every use here.
#[inline(always)]
fn exp_non_positive(x: f32) -> f32 {
    // Written so that NaN fails the comparison and is kept.
    let x = if x < -87.0 { -87.0 } else { x };
    // n = round(x / ln 2) by the 1.5 · 2^23 trick: the sum's last bits are n.
    const ROUND: f32 = 12_582_912.0;
    let shifted = x.mul_add(std::f32::consts::LOG2_E, ROUND);
    let n = shifted - ROUND;
    // r = x − n · ln 2, |r| ≤ ln 2 / 2.
    let r = (-n).mul_add(LN2_HIGH, x);
    let r = (-n).mul_add(LN2_LOW, r);
    let p = 1.987_569_1e-4f32
        .mul_add(r, 1.398_199_9e-3)
        .mul_add(r, 8.333_452e-3)
        .mul_add(r, 4.166_579_6e-2)
        .mul_add(r, 0.166_666_65)
        .mul_add(r, 0.5);
    let e_r = p.mul_add(r * r, r) + 1.0;
    // 2^n from its exponent bits (n ≥ −126 after the clamp, so the result is normal).
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let two_n = f32::from_bits(((n_bits + 127) << 23) as u32);
    e_r * two_n
}

/// `ln x` for positive normal `x`.
#[inline(always)]
fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut exponent = ((bits >> 23) as i32 - 127) as f32;
    // The mantissa in [1, 2), then in [√½, √2): ln(1 + f) has a small f either side of 0.
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1.0;
    }
    let f = m - 1.0;
    let z = f * f;
    let p = 7.037_683_6e-2f32
        .mul_add(f, -0.115_146_1)
        .mul_add(f, 0.116_769_98)
        .mul_add(f, -0.124_201_41)
        .mul_add(f, 0.142_493_23)
        .mul_add(f, -0.166_680_57)
        .mul_add(f, 0.200_007_15)
        .mul_add(f, -0.249_999_94)
        .mul_add(f, 0.333_333_3);
    let y = (p * f).mul_add(z, exponent * LN2_LOW);
    let y = (-0.5f32).mul_add(z, y);
    exponent.mul_add(LN2_HIGH, f + y)
}

/// `ln(1 + e)` for `0 ≤ e ≤ 1`, accurate for small `e` too: `ln(u) · e / (u − 1)` with
/// `u = 1 + e` rounded cancels the rounding of `u`.
#[inline(always)]
fn ln_1p(e: f32) -> f32 {
    let u = 1.0 + e;
    if u == 1.0 { e } else { ln(u) * (e / (u - 1.0)) }
}

/// The loss of one row in every lane (into `losses[k]`, for the `runs` real lanes), and into
/// `grad` its gradient with respect to the row's outputs times `scale`; padding lanes get a
/// zero gradient. `out`, `target` and `grad` are the row's `[outputs][lanes]`.
#[inline(always)]
pub(super) fn row_loss<const L: usize>(
    task: Task,
    (out, target): (&[Lanes<L>], &[Lanes<L>]),
    (runs, scale): (usize, f32),
    grad: &mut [Lanes<L>],
    losses: &mut [f64],
) {
    let mut loss = [0.0f32; L];
    match task {
        Task::Binary => {
            let (z, y, g) = (&out[0], &target[0], &mut grad[0]);
            for k in 0..L {
                // e^−|z| serves both the loss and σ(z) (it is e^−z for z ≥ 0, e^z below).
                let e = exp_non_positive(-z[k].abs());
                let d = 1.0 + e;
                let sigmoid = if z[k] >= 0.0 { 1.0 / d } else { e / d };
                g[k] = (sigmoid - y[k]) * scale;
                // Stable BCE with logits: max(z, 0) − z·y + ln(1 + e^−|z|).
                loss[k] = z[k].max(0.0) - z[k] * y[k] + ln_1p(e);
            }
        }
        Task::Multiclass { .. } => {
            let mut max = out[0];
            for z in &out[1..] {
                for k in 0..L {
                    max[k] = max[k].max(z[k]);
                }
            }
            // The softmax's numerators, kept in `grad` until their sum is known.
            let mut sum = [0.0f32; L];
            for (z, e) in out.iter().zip(grad.iter_mut()) {
                for k in 0..L {
                    e[k] = exp_non_positive(z[k] - max[k]);
                    sum[k] += e[k];
                }
            }
            let mut log_sum = [0.0f32; L];
            for k in 0..L {
                log_sum[k] = max[k] + ln(sum[k]);
            }
            for ((z, y), g) in out.iter().zip(target).zip(grad.iter_mut()) {
                for k in 0..L {
                    loss[k] -= y[k] * (z[k] - log_sum[k]);
                    g[k] = (g[k] / sum[k] - y[k]) * scale;
                }
            }
        }
        Task::Regression => {
            let width = out.len() as f32;
            for ((z, y), g) in out.iter().zip(target).zip(grad.iter_mut()) {
                for k in 0..L {
                    let d = z[k] - y[k];
                    loss[k] += d * d / width;
                    g[k] = 2.0 * d / width * scale;
                }
            }
        }
    }
    for g in grad.iter_mut() {
        g[runs..].fill(0.0);
    }
    for (total, row) in losses[..runs].iter_mut().zip(&loss) {
        *total += f64::from(*row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_a_few_ulps_of_f64s() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = -87.0 * f64::from(i) / 200_000.0;
            let ours = f64::from(exp_non_positive(x as f32));
            let exact = (x as f32 as f64).exp();
            worst = worst.max(((ours - exact) / exact).abs());
        }
        assert!(
            worst < 4.0 * f64::from(f32::EPSILON),
            "relative error {worst}"
        );
        assert_eq!(exp_non_positive(0.0), 1.0);
        assert!(exp_non_positive(f32::NAN).is_nan());
        assert!(exp_non_positive(-1e4) > 0.0, "clamped, not zero");
    }

    #[test]
    fn ln_and_ln_1p_are_within_a_few_ulps_of_f64s() {
        let mut worst = 0.0f64;
        for i in 1..=200_000 {
            let x = 1.0 + 99.0 * f64::from(i) / 200_000.0;
            let x = x as f32;
            let exact = f64::from(x).ln();
            worst = worst.max((f64::from(ln(x)) - exact).abs() / exact.abs().max(1e-30));
        }
        assert!(
            worst < 4.0 * f64::from(f32::EPSILON),
            "ln: relative error {worst}"
        );
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            // e from 1 down to 1e-12: the small ones are where ln(1 + e) alone loses them.
            let e = 10f64.powf(-12.0 * f64::from(i) / 200_000.0) as f32;
            let exact = f64::from(e).ln_1p();
            worst = worst.max((f64::from(ln_1p(e)) - exact).abs() / exact);
        }
        assert!(
            worst < 4.0 * f64::from(f32::EPSILON),
            "ln_1p: relative error {worst}"
        );
        assert_eq!(ln_1p(0.0), 0.0);
    }

    #[test]
    fn each_lane_gets_the_f64_loss_and_gradient_and_padding_lanes_get_none() {
        let scale = 1.0 / 32.0;
        let cases = [
            (Task::Binary, 1),
            (Task::Multiclass { classes: 10 }, 10),
            (Task::Regression, 2),
        ];
        for (task, width) in cases {
            // Lanes 0..3 are runs, lane 3 padding; outputs spread over ±30.
            let out: Vec<Lanes<4>> = (0..width)
                .map(|c| std::array::from_fn(|k| (c as f32 * 7.3 - k as f32 * 11.1) % 30.0))
                .collect();
            let target: Vec<Lanes<4>> = (0..width)
                .map(|c| std::array::from_fn(|k| f32::from(u8::from(c == k % width))))
                .collect();
            let mut grad = vec![[9.0f32; 4]; width];
            let mut losses = vec![0.0f64; 4];
            row_loss(task, (&out, &target), (3, scale), &mut grad, &mut losses);
            for k in 0..3 {
                let row: Vec<f32> = out.iter().map(|o| o[k]).collect();
                let y: Vec<f32> = target.iter().map(|t| t[k]).collect();
                let mut expected = vec![0.0f32; width];
                let loss = crate::engine::loss::row_loss_and_gradient(
                    task,
                    &row,
                    &y,
                    f64::from(scale),
                    &mut expected,
                );
                assert!(
                    (losses[k] - loss).abs() <= 1e-6 * loss.abs().max(1.0),
                    "{task:?} lane {k}: loss {} vs {loss}",
                    losses[k]
                );
                for c in 0..width {
                    let (ours, theirs) = (grad[c][k], expected[c]);
                    assert!(
                        (ours - theirs).abs() <= 1e-7 + 1e-5 * theirs.abs(),
                        "{task:?} lane {k} output {c}: {ours} vs {theirs}"
                    );
                }
            }
            assert!(grad.iter().all(|g| g[3] == 0.0), "{task:?}: padding lane");
            assert_eq!(losses[3], 0.0, "{task:?}: padding lane");
        }
    }
}
