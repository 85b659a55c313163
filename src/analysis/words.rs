//! Counts in sentences: "1 condition", "3 conditions", for the app and the command line alike.

/// `1 experiment`, `2 experiments`: nouns whose plural adds an `s`.
pub fn count_of(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A metric for tables: four decimals, or three significant digits when it is tiny (MSE).
pub fn format_value(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v != 0.0 && v.abs() < 0.001 => format!("{v:.3e}"),
        // A loss of 1.5e308 is 309 digits in fixed notation: a column no table can hold.
        Some(v) if v.abs() >= 1e7 => format!("{v:.3e}"),
        Some(v) => format!("{v:.4}"),
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
