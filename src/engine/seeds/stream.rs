//! One source's random stream, and the sampling helpers every draw goes through.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// One source's random stream: ChaCha8 keyed by SHA-256 of the source seed.
pub struct SourceRng {
    inner: ChaCha8Rng,
}

impl SourceRng {
    pub fn new(seed: u64) -> SourceRng {
        let mut hasher = Sha256::new();
        hasher.update(b"seedscope/stream-key/v1");
        hasher.update(seed.to_le_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        SourceRng {
            inner: ChaCha8Rng::from_seed(key),
        }
    }

    pub fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Fills `out` with the stream's next `out.len()` bytes: the bytes of the words
    /// [`Self::next_u32`] would return, little-endian, in order, four to a word.
    pub fn fill_bytes(&mut self, out: &mut [u8]) {
        self.inner.fill_bytes(out);
    }

    /// Uniform in [0, 1) with 24 random bits: every f32 value it returns is exact.
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [low, high).
    pub fn uniform_range_f32(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.uniform_f32()
    }

    /// Standard normal by Box–Muller (one value per two uniforms, for simplicity).
    pub fn normal_f64(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform_f64(); // in (0, 1]: ln is finite
        let u2 = self.uniform_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Uniform integer in [0, n), without modulo bias (rejection sampling).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0) has no value to return");
        let n = n as u64;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return (x % n) as usize;
            }
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A random permutation of 0..n.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_bytes_are_the_words_drawn_one_at_a_time() {
        // Start mid-block (odd word index) and cross several 64-word ChaCha blocks.
        let (mut one_by_one, mut bulk) = (SourceRng::new(3), SourceRng::new(3));
        let _ = (one_by_one.next_u32(), bulk.next_u32());
        for words in [1, 7, 64, 65, 300] {
            let expected: Vec<u8> = (0..words)
                .flat_map(|_| one_by_one.next_u32().to_le_bytes())
                .collect();
            let mut bytes = vec![0u8; words * 4];
            bulk.fill_bytes(&mut bytes);
            assert_eq!(bytes, expected, "{words} words");
        }
        assert_eq!(
            bulk.next_u64(),
            one_by_one.next_u64(),
            "both streams end at one place"
        );
    }

    #[test]
    fn below_and_permutation_stay_in_range() {
        let mut rng = SourceRng::new(1);
        for n in 1..50 {
            assert!(rng.below(n) < n);
        }
        let mut p = rng.permutation(100);
        p.sort();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }
}
