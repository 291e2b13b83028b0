//! Machine names: `IncidentType` (internal) and `PortalTypeName` (what the portal offers).

use crate::error::InvalidValue;

string_value!(
    /// An internal incident type such as `bug` or `service_request`: `[a-z][a-z0-9_]{0,49}`.
    IncidentType,
    validate_incident_type
);

string_value!(
    /// The name of a portal type such as `issue` or `question`: `[a-z][a-z0-9_]{0,49}`.
    PortalTypeName,
    validate_portal_type_name
);

fn validate_incident_type(input: &str) -> Result<String, InvalidValue> {
    machine_name(input, "incident type")
}

fn validate_portal_type_name(input: &str) -> Result<String, InvalidValue> {
    machine_name(input, "portal type")
}

fn machine_name(input: &str, what: &'static str) -> Result<String, InvalidValue> {
    let mut bytes = input.bytes();
    let Some(first) = bytes.next() else {
        return Err(InvalidValue::new(what, "must not be empty"));
    };
    if input.len() > 50 {
        return Err(InvalidValue::new(what, "longer than 50 characters"));
    }
    let rest_ok = bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !first.is_ascii_lowercase() || !rest_ok {
        return Err(InvalidValue::new(
            what,
            "expected a lowercase letter, then a-z, 0-9 or _",
        ));
    }
    Ok(input.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_names_start_with_a_letter_and_use_only_lowercase_digits_and_underscores() {
        let longest = format!("a{}", "b".repeat(49));
        let too_long = format!("a{}", "b".repeat(50));
        let cases = [
            ("bug", true, "plain word"),
            ("service_request", true, "underscore"),
            ("p1", true, "digit after the first letter"),
            (longest.as_str(), true, "50 characters"),
            ("", false, "empty"),
            ("1bug", false, "starts with a digit"),
            ("_bug", false, "starts with an underscore"),
            ("Bug", false, "uppercase"),
            ("service-request", false, "hyphen"),
            (too_long.as_str(), false, "51 characters"),
        ];

        for (input, valid, message) in cases {
            assert_eq!(IncidentType::parse(input).is_ok(), valid, "{message}");
            assert_eq!(PortalTypeName::parse(input).is_ok(), valid, "{message}");
        }
    }

    #[test]
    fn machine_name_errors_name_the_kind() {
        let error = PortalTypeName::parse("Nope").unwrap_err();

        assert!(
            error.to_string().starts_with("invalid portal type: "),
            "{error}"
        );
    }
}
