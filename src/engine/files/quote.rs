//! File content inside a message: bounded and printable.

/// The most characters of one name or cell a message shows.
pub const QUOTE_CHARS: usize = 40;
/// The most names a message lists.
pub const LIST_ITEMS: usize = 8;

/// A character a terminal would act on or hide rather than show: control characters, and the
/// bidirectional overrides and marks (U+202E turns `gpj.exe` around on screen).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` as a message may show it: control characters escaped (`\n`, `\u{1b}`), at most
/// [`QUOTE_CHARS`] characters, with "…" when cut.
pub fn quote(text: &str) -> String {
    let mut out = String::new();
    for (shown, c) in text.chars().enumerate() {
        if shown == QUOTE_CHARS {
            out.push('…');
            return out;
        }
        if hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A message for the terminal: every hidden character escaped but its line breaks, so a
/// field read from a file (a run's `error`, a `weights_hash`, a shard's `engine`) can neither
/// move the cursor nor recolour the screen, and a message of several lines stays several.
pub fn printable(text: &str) -> String {
    text.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// `text` (a path, a name from a file) with control characters escaped and nothing cut: a
/// newline in a shared file's `name` or `data.path` must not forge a second line of output.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if hidden(c) {
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
    fn a_printable_message_keeps_its_lines_and_loses_its_escapes() {
        assert_eq!(
            printable("run 3 failed:\n  \u{1b}[31mred\r"),
            "run 3 failed:\n  \\u{1b}[31mred\\r"
        );
    }

    #[test]
    fn a_bidirectional_override_is_shown_escaped_not_obeyed() {
        assert_eq!(escape("acc\u{202e}ycarucca"), "acc\\u{202e}ycarucca");
        assert_eq!(quote("\u{2066}x"), "\\u{2066}x");
    }

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
