//! User-supplied text is stored raw and rendered as plain text everywhere, so the only things
//! refused at the boundary are characters that can disguise what a reader sees: C0/C1 controls
//! and Unicode bidirectional overrides and isolates (the "Trojan Source" family).

use crate::ParseError;

/// True for characters that must never appear in user text.
#[must_use]
pub fn is_forbidden_char(c: char, allow_newlines: bool) -> bool {
    if allow_newlines && (c == '\n' || c == '\r' || c == '\t') {
        return false;
    }
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Trims `raw`, then checks its length in characters and its characters.
pub fn parse_single_line(
    raw: &str,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<String, ParseError> {
    parse_text(raw, field, min, max, false)
}

/// As [`parse_single_line`], allowing line breaks and tabs (justifications, reasons).
pub fn parse_multi_line(
    raw: &str,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<String, ParseError> {
    parse_text(raw, field, min, max, true)
}

fn parse_text(
    raw: &str,
    field: &'static str,
    min: usize,
    max: usize,
    allow_newlines: bool,
) -> Result<String, ParseError> {
    let text = raw.trim();
    let len = text.chars().count();
    // `min == 0` marks an optional field, where empty is fine.
    if len == 0 && min > 0 {
        return Err(ParseError::Empty { field });
    }
    if len < min {
        return Err(ParseError::TooShort { field, min });
    }
    if len > max {
        return Err(ParseError::TooLong { field, max });
    }
    if text.chars().any(|c| is_forbidden_char(c, allow_newlines)) {
        return Err(ParseError::ForbiddenCharacters { field });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(
            parse_single_line("  Ada  ", "name", 1, 10),
            Ok("Ada".into())
        );
    }

    #[test]
    fn a_bidi_override_is_rejected() {
        let err = parse_single_line("admin\u{202E}gnp.exe", "name", 1, 50);
        assert_eq!(err, Err(ParseError::ForbiddenCharacters { field: "name" }));
    }

    #[test]
    fn a_control_character_is_rejected_even_in_multi_line_text() {
        assert!(parse_multi_line("fix\u{0007}bell", "reason", 1, 50).is_err());
        assert!(parse_multi_line("line one\nline two", "reason", 1, 50).is_ok());
    }

    #[test]
    fn a_newline_is_rejected_in_single_line_text() {
        assert!(parse_single_line("two\nlines", "label", 1, 50).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(parse_single_line("ééééé", "name", 1, 5).is_ok());
        assert_eq!(
            parse_single_line("ééééé", "name", 1, 4),
            Err(ParseError::TooLong {
                field: "name",
                max: 4
            })
        );
    }
}
