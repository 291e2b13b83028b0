//! Incident text: `IncidentTitle`, `Description` and `CommentBody`.

use crate::error::InvalidValue;
use crate::value::single_line;

/// The most characters a description or comment body may hold.
pub const MAX_BODY_CHARS: usize = 20_000;

string_value!(
    /// An incident's title: trimmed, 1 to 200 characters, one line.
    IncidentTitle,
    validate_title
);

string_value!(
    /// An incident's description: up to 20,000 characters, possibly empty, kept as written.
    Description,
    validate_description
);

string_value!(
    /// The text of a comment: not blank, up to 20,000 characters, kept as written.
    CommentBody,
    validate_comment_body
);

fn validate_title(input: &str) -> Result<String, InvalidValue> {
    single_line(input, "incident title", 200)
}

fn validate_description(input: &str) -> Result<String, InvalidValue> {
    if input.chars().count() > MAX_BODY_CHARS {
        return Err(InvalidValue::new(
            "description",
            "longer than 20000 characters",
        ));
    }
    Ok(input.to_owned())
}

fn validate_comment_body(input: &str) -> Result<String, InvalidValue> {
    if input.trim().is_empty() {
        return Err(InvalidValue::new("comment body", "must not be blank"));
    }
    if input.chars().count() > MAX_BODY_CHARS {
        return Err(InvalidValue::new(
            "comment body",
            "longer than 20000 characters",
        ));
    }
    Ok(input.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_single_lines_of_up_to_200_characters() {
        let too_long = "x".repeat(201);
        let cases = [
            ("Printer on fire", true, "plain title"),
            ("", false, "empty"),
            (too_long.as_str(), false, "201 characters"),
            ("a\u{0}b", false, "control character"),
        ];

        for (input, valid, message) in cases {
            assert_eq!(IncidentTitle::parse(input).is_ok(), valid, "{message}");
        }
    }

    #[test]
    fn descriptions_may_be_empty_but_not_longer_than_20000_characters() {
        let longest = "é".repeat(MAX_BODY_CHARS);
        let too_long = "é".repeat(MAX_BODY_CHARS + 1);
        let cases = [
            ("", true, "empty"),
            ("Line one\nLine two", true, "several lines"),
            (longest.as_str(), true, "20000 characters"),
            (too_long.as_str(), false, "20001 characters"),
        ];

        for (input, valid, message) in cases {
            assert_eq!(Description::parse(input).is_ok(), valid, "{message}");
        }
    }

    #[test]
    fn comment_bodies_must_say_something_within_20000_characters() {
        let too_long = "x".repeat(MAX_BODY_CHARS + 1);
        let cases = [
            ("Fixed, please check", true, "plain comment"),
            ("  indented\n", true, "kept as written"),
            ("", false, "empty"),
            (" \n\t", false, "only whitespace"),
            (too_long.as_str(), false, "20001 characters"),
        ];

        for (input, valid, message) in cases {
            assert_eq!(CommentBody::parse(input).is_ok(), valid, "{message}");
        }
        assert_eq!(
            CommentBody::parse("  indented\n").unwrap().as_str(),
            "  indented\n"
        );
    }
}
