//! File content inside a message: bounded and printable.

/// The most characters of one name or cell a message shows.
pub const QUOTE_CHARS: usize = 40;
/// The most names a message lists.
pub const LIST_ITEMS: usize = 8;

/// `text` as a message may show it: control characters escaped (`\n`, `\u{1b}`), at most
/// [`QUOTE_CHARS`] characters, with "…" when cut.
pub fn quote(text: &str) -> String {
    let mut out = String::new();
    for (shown, c) in text.chars().enumerate() {
        if shown == QUOTE_CHARS {
            out.push('…');
            return out;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` (a path, a name from a file) with control characters escaped and nothing cut: a
/// newline in a shared file's `name` or `data.path` must not forge a second line of output.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Up to [`LIST_ITEMS`] names, each quoted in backticks, then how many more there are.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let mut shown: Vec<String> = items
        .iter()
        .take(LIST_ITEMS)
        .map(|item| format!("`{}`", quote(item.as_ref())))
        .collect();
    if items.len() > LIST_ITEMS {
        shown.push(format!("… and {} more", items.len() - LIST_ITEMS));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_and_control_characters_escaped() {
        let long = "x".repeat(1_000_000);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), QUOTE_CHARS + 1);
        assert!(quoted.ends_with('…'));
        assert_eq!(quote("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(quote("plain"), "plain");
    }

    #[test]
    fn a_list_shows_a_few_items_and_counts_the_rest() {
        let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let text = list(&names);
        assert!(text.starts_with("`c0`, `c1`"), "{text}");
        assert!(text.ends_with("… and 12 more"), "{text}");
        assert!(!text.contains("c8`"), "{text}");
    }
}
