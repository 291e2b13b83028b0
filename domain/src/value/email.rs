//! `Email`: a customer's or staff user's address, used to sign in and to send mail.

use crate::error::InvalidValue;

string_value!(
    /// An email address: trimmed, stored lowercase, at most 254 characters, of the shape
    /// `local@domain.tld` with no whitespace.
    ///
    /// This is a sanity check, not RFC 5322: deliverability is the mail server's business.
    Email,
    validate
);

fn validate(input: &str) -> Result<String, InvalidValue> {
    let address = input.trim().to_lowercase();
    if address.is_empty() {
        return Err(InvalidValue::new("email", "must not be empty"));
    }
    if address.chars().count() > 254 {
        return Err(InvalidValue::new("email", "longer than 254 characters"));
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidValue::new("email", "must not hold whitespace"));
    }
    let Some((local, domain)) = address.split_once('@') else {
        return Err(InvalidValue::new("email", "expected local@domain"));
    };
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || !domain_ok {
        return Err(InvalidValue::new("email", "expected local@domain"));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_sanity_checked_and_stored_lowercase() {
        let cases = [
            ("ann@example.com", Some("ann@example.com"), "plain address"),
            (
                " Ann.Lee@Example.COM ",
                Some("ann.lee@example.com"),
                "trimmed and lowercased",
            ),
            (
                "a+tag@mail.example.org",
                Some("a+tag@mail.example.org"),
                "plus tag, subdomain",
            ),
            ("", None, "empty"),
            ("ann.example.com", None, "no at sign"),
            ("@example.com", None, "empty local part"),
            ("ann@", None, "empty domain"),
            ("ann@localhost", None, "domain without a dot"),
            ("ann@example..com", None, "empty domain label"),
            ("ann@ex@ample.com", None, "two at signs"),
            ("ann lee@example.com", None, "space inside"),
        ];

        for (input, expected, message) in cases {
            let result = Email::parse(input);

            assert_eq!(
                result.as_ref().ok().map(Email::as_str),
                expected,
                "{message}"
            );
        }
    }

    #[test]
    fn email_errors_do_not_repeat_the_address() {
        let error = Email::parse("secret-person@").unwrap_err();

        assert!(!error.to_string().contains("secret-person"), "{error}");
    }
}
