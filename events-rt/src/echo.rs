//! Echoed values are bounded: an error message quotes at most [`MAX_ECHO`] characters of
//! the offending value, however large the value is.

use std::borrow::Cow;

/// The most characters of an offending value an error message quotes.
pub const MAX_ECHO: usize = 200;

/// `text` when it has at most `max` characters; else its first `max` characters followed by
/// `… (N bytes)`, where N is the length of the whole text.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}… ({} bytes)", &text[..end], text.len())),
    }
}

/// [`cut`] at [`MAX_ECHO`], owned.
pub fn echo(text: &str) -> String {
    cut(text, MAX_ECHO).into_owned()
}

/// [`echo`] of an owned string, without a copy when it is short enough.
pub fn echo_owned(text: String) -> String {
    match cut(&text, MAX_ECHO) {
        Cow::Borrowed(_) => text,
        Cow::Owned(short) => short,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_with_its_size() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "abc… (4 bytes)");
        assert_eq!(cut("", 0), "");
        // Cut on a character boundary, the size in bytes.
        assert_eq!(cut("ééé", 2), "éé… (6 bytes)");
        let big = "x".repeat(10 << 20);
        let shown = echo(&big);
        assert!(shown.len() < MAX_ECHO + 32, "{}", shown.len());
        assert!(shown.ends_with("… (10485760 bytes)"), "{shown}");
        assert_eq!(echo_owned("short".into()), "short");
    }
}
