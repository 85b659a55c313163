//! Whole-slice operations built from an instruction set's fixed-width ones: a one-lane pack (a
//! run alone) has no lanes to vectorise across, so the kernel vectorises across units instead,
//! sixteen or eight at a time, with a scalar tail. Each element still sees the same single
//! rounding as unit by unit, so the bits match a lane of a wider pack.

use super::isa::Isa;

/// `acc[j] = a · x[j] + acc[j]` for every `j`, one rounding each: a one-lane pack (a run
/// alone) vectorised across units instead of lanes, with the same bits as unit by unit.
#[inline(always)]
pub(super) fn axpy<I: Isa>(isa: I, acc: &mut [f32], a: f32, x: &[f32]) {
    let (wide, narrow) = ([a; 16], [a; 8]);
    let mut j = 0;
    while j + 16 <= acc.len() {
        let (acc16, x16) = (&mut acc[j..j + 16], &x[j..j + 16]);
        isa.fma::<16>(acc16.try_into().unwrap(), &wide, x16.try_into().unwrap());
        j += 16;
    }
    while j + 8 <= acc.len() {
        let (acc8, x8) = (&mut acc[j..j + 8], &x[j..j + 8]);
        isa.fma::<8>(acc8.try_into().unwrap(), &narrow, x8.try_into().unwrap());
        j += 8;
    }
    while j < acc.len() {
        acc[j] = a.mul_add(x[j], acc[j]);
        j += 1;
    }
}

/// `acc[j] += x[j]` for every `j` (see [`axpy`]).
#[inline(always)]
pub(super) fn add_all<I: Isa>(isa: I, acc: &mut [f32], x: &[f32]) {
    let mut j = 0;
    while j + 16 <= acc.len() {
        let (acc16, x16) = (&mut acc[j..j + 16], &x[j..j + 16]);
        isa.add::<16>(acc16.try_into().unwrap(), x16.try_into().unwrap());
        j += 16;
    }
    while j < acc.len() {
        acc[j] += x[j];
        j += 1;
    }
}
