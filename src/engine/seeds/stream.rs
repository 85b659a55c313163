//! One source's random stream, and the sampling helpers every draw goes through.

use sha2::{Digest, Sha256};

use super::chacha::{self, WORDS};

/// One source's random stream: ChaCha8 keyed by SHA-256 of the source seed — the words of
/// `rand_chacha::ChaCha8Rng::from_seed(key)`, computed sixteen blocks at a time (`chacha.rs`).
pub struct SourceRng {
    key: [u8; 32],
    /// The block the next refill starts at.
    next_block: u64,
    words: Box<[u32; WORDS]>,
    /// The next unread word of `words` (`WORDS`: all read).
    index: usize,
}

impl SourceRng {
    pub fn new(seed: u64) -> SourceRng {
        let mut hasher = Sha256::new();
        hasher.update(b"seedscope/stream-key/v1");
        hasher.update(seed.to_le_bytes());
        SourceRng {
            key: hasher.finalize().into(),
            next_block: 0,
            words: Box::new([0; WORDS]),
            index: WORDS,
        }
    }

    fn refill(&mut self) {
        chacha::sixteen_blocks(&self.key, self.next_block, &mut self.words);
        self.next_block = self.next_block.wrapping_add(16);
        self.index = 0;
    }

    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= WORDS {
            self.refill();
        }
        let word = self.words[self.index];
        self.index += 1;
        word
    }

    /// Two consecutive words, the first the low half.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        if self.index + 2 <= WORDS {
            let (low, high) = (self.words[self.index], self.words[self.index + 1]);
            self.index += 2;
            return (u64::from(high) << 32) | u64::from(low);
        }
        let low = self.next_u32();
        (u64::from(self.next_u32()) << 32) | u64::from(low)
    }

    /// Fills `out` with the stream's next `out.len()` bytes: the bytes of the words
    /// [`Self::next_u32`] would return, little-endian, in order, four to a word (a last,
    /// partial word is used up whole).
    pub fn fill_bytes(&mut self, out: &mut [u8]) {
        let (mut whole, tail) = out.split_at_mut(out.len() / 4 * 4);
        while !whole.is_empty() {
            if self.index >= WORDS {
                self.refill();
            }
            // As many whole words as are buffered, in a loop the compiler turns into a copy.
            let words = (whole.len() / 4).min(WORDS - self.index);
            let (now, later) = whole.split_at_mut(words * 4);
            let source = &self.words[self.index..self.index + words];
            for (chunk, word) in now.chunks_exact_mut(4).zip(source) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            self.index += words;
            whole = later;
        }
        if !tail.is_empty() {
            let word = self.next_u32().to_le_bytes();
            tail.copy_from_slice(&word[..tail.len()]);
        }
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
        loop {
            let x = self.next_u64();
            if accepts(x, n) {
                return (x % n) as usize;
            }
        }
    }

    /// `count` draws of [`Self::below`]`(n)`, handed to `each` in order: the same values and
    /// the stream left in the same place, each remainder by multiplication with one reciprocal
    /// rather than a 64-bit division (a bootstrap draws millions of indices into one sample).
    pub fn below_each(&mut self, n: usize, count: usize, mut each: impl FnMut(usize)) {
        assert!(n > 0, "below(0) has no value to return");
        let n = n as u64;
        if n == 1 {
            // Every word is accepted and every remainder is 0.
            for _ in 0..count {
                self.next_u64();
                each(0);
            }
            return;
        }
        if n > u64::from(u32::MAX) {
            for _ in 0..count {
                each(self.below(n as usize));
            }
            return;
        }
        let reciprocal = u128::MAX / u128::from(n) + 1;
        for _ in 0..count {
            let x = loop {
                let x = self.next_u64();
                if accepts(x, n) {
                    break x;
                }
            };
            each(remainder(x, n, reciprocal) as usize);
        }
    }

    /// Fisher–Yates shuffle: `items[i]` swapped with `items[below(i + 1)]`, `i` from the end.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        let len = items.len() as u64;
        if len > u64::from(u32::MAX) {
            for i in (1..items.len()).rev() {
                let j = self.below(i + 1);
                items.swap(i, j);
            }
            return;
        }
        // The same draws and the same remainders as `below`, each taken by multiplications
        // with a reciprocal kept per divisor rather than a 64-bit division (which, with the
        // one for the rejection zone, was most of a shuffle).
        RECIPROCALS.with_borrow_mut(|table| {
            let reciprocals = table.up_to(len);
            for i in (1..items.len()).rev() {
                let n = i as u64 + 1;
                let j = loop {
                    let x = self.next_u64();
                    if accepts(x, n) {
                        break remainder(x, n, reciprocals[n as usize]);
                    }
                };
                items.swap(i, j as usize);
            }
        });
    }

    /// A random permutation of 0..n.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }
}

/// Whether `x` falls below the rejection zone for `n`: the largest multiple of `n` that fits,
/// `u64::MAX - u64::MAX % n`. Every `x` at most `u64::MAX - n` does (the zone starts above
/// it), so the zone itself is computed only for the last `n` values of 2⁶⁴ (never, in practice).
#[inline(always)]
fn accepts(x: u64, n: u64) -> bool {
    x <= u64::MAX - n || x < u64::MAX - (u64::MAX % n)
}

/// `x % n` for `2 ≤ n < 2³²` from `c = ⌈2¹²⁸ / n⌉` by Lemire, Kaser and Kurz's direct
/// remainder ("Faster remainder by direct computation", 2019): `((c · x) mod 2¹²⁸ · n) / 2¹²⁸`,
/// exact for every 64-bit `x` since 128 ≥ 64 + 32 bits.
#[inline(always)]
fn remainder(x: u64, n: u64, c: u128) -> u64 {
    let low = c.wrapping_mul(u128::from(x));
    let (high, low) = ((low >> 64) as u64, low as u64);
    let carry = (u128::from(low) * u128::from(n)) >> 64;
    ((u128::from(high) * u128::from(n) + carry) >> 64) as u64
}

/// `⌈2¹²⁸ / n⌉` for every `n` a shuffle has needed so far (index `n`; 0 and 1 unused), kept
/// per thread: one 128-bit division per divisor, once, rather than one 64-bit division per draw.
#[derive(Default)]
struct Reciprocals(Vec<u128>);

impl Reciprocals {
    fn up_to(&mut self, n: u64) -> &[u128] {
        let n = n as usize;
        while self.0.len() <= n {
            let d = self.0.len() as u128;
            self.0.push(if d < 2 { 0 } else { u128::MAX / d + 1 });
        }
        &self.0
    }
}

thread_local! {
    static RECIPROCALS: std::cell::RefCell<Reciprocals> = std::cell::RefCell::default();
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

    /// The direct remainder is the remainder, at the edges of both ranges and in between.
    #[test]
    fn direct_remainder_is_exact() {
        let mut table = Reciprocals::default();
        let table = table.up_to(70_000).to_vec();
        let mut rng = SourceRng::new(11);
        let edges = [
            0,
            1,
            2,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 32) - 1,
            1 << 32,
        ];
        for n in (2..70_000u64).chain([u64::from(u32::MAX), (1 << 31) + 3]) {
            let c = if n < 70_000 {
                table[n as usize]
            } else {
                u128::MAX / u128::from(n) + 1
            };
            for x in edges.into_iter().chain((0..8).map(|_| rng.next_u64())) {
                assert_eq!(remainder(x, n, c), x % n, "{x} % {n}");
            }
        }
    }

    /// `below_each` draws exactly what `below` would, for small, odd, power-of-two and
    /// one-value ranges: the same values, the stream left in the same place.
    #[test]
    fn below_each_is_below_repeated() {
        for n in [1usize, 2, 3, 7, 64, 1000, 12_500, (1 << 31) + 3] {
            let (mut fast, mut plain) = (SourceRng::new(n as u64), SourceRng::new(n as u64));
            let mut drawn = Vec::new();
            fast.below_each(n, 500, |i| drawn.push(i));
            let expected: Vec<usize> = (0..500).map(|_| plain.below(n)).collect();
            assert_eq!(drawn, expected, "n = {n}");
            assert_eq!(fast.next_u64(), plain.next_u64(), "n = {n}: same place");
        }
    }

    /// A shuffle draws exactly what `below` would: the same order, the stream left in the
    /// same place.
    #[test]
    fn shuffle_is_below_drawn_from_the_end() {
        for len in [0, 1, 2, 3, 17, 1000] {
            let (mut fast, mut plain) = (SourceRng::new(len as u64), SourceRng::new(len as u64));
            let order = fast.permutation(len);
            let mut expected: Vec<usize> = (0..len).collect();
            for i in (1..len).rev() {
                let j = plain.below(i + 1);
                expected.swap(i, j);
            }
            assert_eq!(order, expected);
            assert_eq!(fast.next_u64(), plain.next_u64());
        }
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
