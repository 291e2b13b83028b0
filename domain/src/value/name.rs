//! `Name`: the display name of a service, company, customer, staff user or portal label.

use crate::error::InvalidValue;
use crate::value::single_line;

string_value!(
    /// A display name: trimmed, 1 to 200 characters, one line.
    Name,
    validate
);

fn validate(input: &str) -> Result<String, InvalidValue> {
    single_line(input, "name", 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_single_lines_of_up_to_200_characters() {
        let longest = "ä".repeat(200);
        let too_long = "ä".repeat(201);
        let cases = [
            ("Company A", Some("Company A"), "plain name"),
            (
                "  Service B \t",
                Some("Service B"),
                "surrounding whitespace is trimmed",
            ),
            (longest.as_str(), Some(longest.as_str()), "200 characters"),
            ("", None, "empty"),
            ("   ", None, "only whitespace"),
            (too_long.as_str(), None, "201 characters"),
            ("two\nlines", None, "line break"),
        ];

        for (input, expected, message) in cases {
            let result = Name::parse(input);

            assert_eq!(
                result.as_ref().ok().map(Name::as_str),
                expected,
                "{message}"
            );
        }
    }

    #[test]
    fn name_errors_say_a_name_was_invalid() {
        let error = Name::parse("").unwrap_err();

        assert_eq!(error.to_string(), "invalid name: must not be empty");
    }
}
