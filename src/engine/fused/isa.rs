//! The kernel's lane operations, written once per instruction set.
//!
//! Why not plain loops over `[f32; L]`: LLVM's loop vectoriser runs before its straight-line
//! vectoriser, so it saw sixteen scalar multiply-adds per output unit and vectorised the loop
//! *over units* instead, with a gather or scatter per lane (measured: the first fused kernel was
//! twice as slow as the candle program it replaced). Explicit vector instructions leave it
//! nothing to rearrange.
//!
//! Every implementation computes the same IEEE operations on each lane (a fused multiply-add is
//! one rounding in `vfmadd` and in `f32::mul_add` alike), so the bits do not depend on which one
//! runs.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// One instruction set's lane operations on `L` lanes (`L` is 1, 2, 4, 8 or 16).
///
/// A value of an `Isa` type is the proof that this CPU has its instructions: `Portable` is
/// free to make, `Avx2` and `Avx512` only come from their `detect`, which asks the CPU. So the
/// operations are safe to call anywhere; they are fast where they are inlined into a function
/// compiled for the instruction set (the kernel's `#[target_feature]` wrappers), and still
/// correct, if slow, anywhere else.
pub(crate) trait Isa: Copy {
    /// `acc = a · b + acc`, one rounding.
    fn fma<const L: usize>(self, acc: &mut [f32; L], a: &[f32; L], b: &[f32; L]);
    /// `acc += a`.
    fn add<const L: usize>(self, acc: &mut [f32; L], a: &[f32; L]);
    /// `out = a · b`.
    fn mul<const L: usize>(self, out: &mut [f32; L], a: &[f32; L], b: &[f32; L]);
    /// ReLU of `z + bias` in place of `z`, and its slope (1 where `z + bias > 0`, else 0), both
    /// times the dropout mask when there is one: `Some((kept, scale))` is `scale` in the lanes
    /// whose bit is set in `kept` (bit `k`, lane `k`), 0 in the others.
    fn relu<const L: usize>(
        self,
        z: &mut [f32; L],
        bias: &[f32; L],
        mask: Option<(u16, f32)>,
        slope: &mut [f32; L],
    );
}

/// Any CPU: one lane at a time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl Isa for Portable {
    #[inline(always)]
    fn fma<const L: usize>(self, acc: &mut [f32; L], a: &[f32; L], b: &[f32; L]) {
        for k in 0..L {
            acc[k] = a[k].mul_add(b[k], acc[k]);
        }
    }

    #[inline(always)]
    fn add<const L: usize>(self, acc: &mut [f32; L], a: &[f32; L]) {
        for k in 0..L {
            acc[k] += a[k];
        }
    }

    #[inline(always)]
    fn mul<const L: usize>(self, out: &mut [f32; L], a: &[f32; L], b: &[f32; L]) {
        for k in 0..L {
            out[k] = a[k] * b[k];
        }
    }

    #[inline(always)]
    fn relu<const L: usize>(
        self,
        z: &mut [f32; L],
        bias: &[f32; L],
        mask: Option<(u16, f32)>,
        slope: &mut [f32; L],
    ) {
        for k in 0..L {
            let x = z[k] + bias[k];
            let (value, s) = if x > 0.0 { (x, 1.0) } else { (0.0, 0.0) };
            (z[k], slope[k]) = match mask {
                Some(mask) => {
                    let m = lane_mask(mask, k);
                    (value * m, s * m)
                }
                None => (value, s),
            };
        }
    }
}

/// Lane `k` of a dropout mask given as bits (see [`Isa::relu`]).
#[inline(always)]
pub(super) fn lane_mask((kept, scale): (u16, f32), k: usize) -> f32 {
    if kept >> k & 1 != 0 { scale } else { 0.0 }
}

/// Lanes `k..k + 8` of every argument as AVX registers, the rest one at a time: shared by the
/// AVX2 and AVX-512 paths (AVX-512 takes 16 at a time first).
#[cfg(target_arch = "x86_64")]
macro_rules! by_width {
    ($k:ident, $L:ident, $wide:block, $avx:block, $one:block) => {{
        let mut $k = 0;
        $wide
        while $k + 8 <= $L $avx
        while $k < $L $one
    }};
}

/// AVX2 + FMA: 8 lanes a register. Only [`Avx2::detect`] makes one.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2 {
    _detected: (),
}

/// AVX-512F (with AVX2 and FMA for the remainder): 16 lanes a register. Only
/// [`Avx512::detect`] makes one.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512 {
    _detected: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    /// The capability, if this CPU has AVX2 and FMA.
    pub(crate) fn detect() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
            .then_some(Self { _detected: () })
    }
}

#[cfg(target_arch = "x86_64")]
impl Avx512 {
    /// The capability, if this CPU has AVX-512F, AVX2 and FMA.
    pub(crate) fn detect() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"))
        .then_some(Self { _detected: () })
    }
}

#[cfg(target_arch = "x86_64")]
macro_rules! x86_isa {
    ($name:ident, $wide:literal) => {
        impl Isa for $name {
            #[inline(always)]
            fn fma<const L: usize>(self, acc: &mut [f32; L], a: &[f32; L], b: &[f32; L]) {
                let (a, b, c) = (a.as_ptr(), b.as_ptr(), acc.as_mut_ptr());
                // SAFETY: `self` exists, so the CPU has this instruction set (see `detect`); the pointers come from `L`-long arrays and each load or store touches at most `L` lanes.
                unsafe {
                    by_width!(
                        k,
                        L,
                        {
                            if $wide {
                                while k + 16 <= L {
                                    let v = _mm512_fmadd_ps(
                                        _mm512_loadu_ps(a.add(k)),
                                        _mm512_loadu_ps(b.add(k)),
                                        _mm512_loadu_ps(c.add(k)),
                                    );
                                    _mm512_storeu_ps(c.add(k), v);
                                    k += 16;
                                }
                            }
                        },
                        {
                            let v = _mm256_fmadd_ps(
                                _mm256_loadu_ps(a.add(k)),
                                _mm256_loadu_ps(b.add(k)),
                                _mm256_loadu_ps(c.add(k)),
                            );
                            _mm256_storeu_ps(c.add(k), v);
                            k += 8;
                        },
                        {
                            *c.add(k) = (*a.add(k)).mul_add(*b.add(k), *c.add(k));
                            k += 1;
                        }
                    )
                }
            }

            #[inline(always)]
            fn add<const L: usize>(self, acc: &mut [f32; L], a: &[f32; L]) {
                let (a, c) = (a.as_ptr(), acc.as_mut_ptr());
                // SAFETY: `self` exists, so the CPU has this instruction set (see `detect`); the pointers come from `L`-long arrays and each load or store touches at most `L` lanes.
                unsafe {
                    by_width!(
                        k,
                        L,
                        {
                            if $wide {
                                while k + 16 <= L {
                                    let v = _mm512_add_ps(
                                        _mm512_loadu_ps(c.add(k)),
                                        _mm512_loadu_ps(a.add(k)),
                                    );
                                    _mm512_storeu_ps(c.add(k), v);
                                    k += 16;
                                }
                            }
                        },
                        {
                            let v =
                                _mm256_add_ps(_mm256_loadu_ps(c.add(k)), _mm256_loadu_ps(a.add(k)));
                            _mm256_storeu_ps(c.add(k), v);
                            k += 8;
                        },
                        {
                            *c.add(k) += *a.add(k);
                            k += 1;
                        }
                    )
                }
            }

            #[inline(always)]
            fn mul<const L: usize>(self, out: &mut [f32; L], a: &[f32; L], b: &[f32; L]) {
                let (a, b, o) = (a.as_ptr(), b.as_ptr(), out.as_mut_ptr());
                // SAFETY: `self` exists, so the CPU has this instruction set (see `detect`); the pointers come from `L`-long arrays and each load or store touches at most `L` lanes.
                unsafe {
                    by_width!(
                        k,
                        L,
                        {
                            if $wide {
                                while k + 16 <= L {
                                    let v = _mm512_mul_ps(
                                        _mm512_loadu_ps(a.add(k)),
                                        _mm512_loadu_ps(b.add(k)),
                                    );
                                    _mm512_storeu_ps(o.add(k), v);
                                    k += 16;
                                }
                            }
                        },
                        {
                            let v =
                                _mm256_mul_ps(_mm256_loadu_ps(a.add(k)), _mm256_loadu_ps(b.add(k)));
                            _mm256_storeu_ps(o.add(k), v);
                            k += 8;
                        },
                        {
                            *o.add(k) = *a.add(k) * *b.add(k);
                            k += 1;
                        }
                    )
                }
            }

            #[inline(always)]
            fn relu<const L: usize>(
                self,
                z: &mut [f32; L],
                bias: &[f32; L],
                mask: Option<(u16, f32)>,
                slope: &mut [f32; L],
            ) {
                let (zp, bp, sp) = (z.as_mut_ptr(), bias.as_ptr(), slope.as_mut_ptr());
                // SAFETY: `self` exists, so the CPU has this instruction set (see `detect`); the pointers come from `L`-long arrays and each load or store touches at most `L` lanes.
                unsafe {
                    by_width!(
                        k,
                        L,
                        {
                            if $wide {
                                while k + 16 <= L {
                                    let x = _mm512_add_ps(
                                        _mm512_loadu_ps(zp.add(k)),
                                        _mm512_loadu_ps(bp.add(k)),
                                    );
                                    let positive =
                                        _mm512_cmp_ps_mask::<_CMP_GT_OQ>(x, _mm512_setzero_ps());
                                    let mut value = _mm512_maskz_mov_ps(positive, x);
                                    let mut s = _mm512_maskz_mov_ps(positive, _mm512_set1_ps(1.0));
                                    if let Some((kept, scale)) = mask {
                                        let m = _mm512_maskz_mov_ps(
                                            (kept >> k) as u16,
                                            _mm512_set1_ps(scale),
                                        );
                                        value = _mm512_mul_ps(value, m);
                                        s = _mm512_mul_ps(s, m);
                                    }
                                    _mm512_storeu_ps(zp.add(k), value);
                                    _mm512_storeu_ps(sp.add(k), s);
                                    k += 16;
                                }
                            }
                        },
                        {
                            let x = _mm256_add_ps(
                                _mm256_loadu_ps(zp.add(k)),
                                _mm256_loadu_ps(bp.add(k)),
                            );
                            let positive = _mm256_cmp_ps::<_CMP_GT_OQ>(x, _mm256_setzero_ps());
                            let mut value = _mm256_and_ps(x, positive);
                            let mut s = _mm256_and_ps(_mm256_set1_ps(1.0), positive);
                            if let Some((kept, scale)) = mask {
                                // Lane i of the eight is on when bit k + i of `kept` is.
                                let select = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
                                let bits = _mm256_set1_epi32(i32::from(kept >> k));
                                let on = _mm256_cmpeq_epi32(_mm256_and_si256(bits, select), select);
                                let m =
                                    _mm256_and_ps(_mm256_castsi256_ps(on), _mm256_set1_ps(scale));
                                value = _mm256_mul_ps(value, m);
                                s = _mm256_mul_ps(s, m);
                            }
                            _mm256_storeu_ps(zp.add(k), value);
                            _mm256_storeu_ps(sp.add(k), s);
                            k += 8;
                        },
                        {
                            let x = *zp.add(k) + *bp.add(k);
                            let (value, s) = if x > 0.0 { (x, 1.0) } else { (0.0, 0.0) };
                            match mask {
                                Some(mask) => {
                                    let m = lane_mask(mask, k);
                                    *zp.add(k) = value * m;
                                    *sp.add(k) = s * m;
                                }
                                None => {
                                    *zp.add(k) = value;
                                    *sp.add(k) = s;
                                }
                            }
                            k += 1;
                        }
                    )
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
x86_isa!(Avx2, false);
#[cfg(target_arch = "x86_64")]
x86_isa!(Avx512, true);
