//! Counts in sentences: "1 condition", "3 conditions", for the app and the command line alike.

/// `1 experiment`, `2 experiments`: nouns whose plural adds an `s`.
pub fn count_of(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count_of;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count_of(1, "experiment"), "1 experiment");
        assert_eq!(count_of(0, "experiment"), "0 experiments");
        assert_eq!(count_of(3, "run"), "3 runs");
    }
}
