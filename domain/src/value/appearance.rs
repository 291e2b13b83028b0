//! Portal appearance values: `Colour` and `LogoUrl`.

use crate::error::InvalidValue;

string_value!(
    /// A colour written `#rrggbb`, stored lowercase.
    Colour,
    validate_colour
);

string_value!(
    /// The address of the portal's logo: an `http` or `https` URL of at most 2000 characters,
    /// with a host and no whitespace.
    LogoUrl,
    validate_logo_url
);

fn validate_colour(input: &str) -> Result<String, InvalidValue> {
    let colour = input.trim();
    let hex = colour.strip_prefix('#').unwrap_or("");
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(InvalidValue::new("colour", "expected #rrggbb"));
    }
    Ok(colour.to_ascii_lowercase())
}

fn validate_logo_url(input: &str) -> Result<String, InvalidValue> {
    let url = input.trim();
    if url.chars().count() > 2000 {
        return Err(InvalidValue::new("logo url", "longer than 2000 characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidValue::new("logo url", "must not hold whitespace"));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(InvalidValue::new(
            "logo url",
            "expected an http or https url",
        ));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(InvalidValue::new(
            "logo url",
            "expected an http or https url",
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(InvalidValue::new("logo url", "must name a host"));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_six_hex_digits_after_a_hash() {
        let cases = [
            ("#1a2b3c", Some("#1a2b3c"), "lowercase"),
            ("#A0B0C0", Some("#a0b0c0"), "uppercase is stored lowercase"),
            ("1a2b3c", None, "missing hash"),
            ("#abc", None, "short form"),
            ("#1a2b3g", None, "non-hex digit"),
            ("#1a2b3c4d", None, "alpha channel"),
            ("red", None, "colour name"),
        ];

        for (input, expected, message) in cases {
            let result = Colour::parse(input);

            assert_eq!(
                result.as_ref().ok().map(Colour::as_str),
                expected,
                "{message}"
            );
        }
    }

    #[test]
    fn logo_urls_are_http_or_https_with_a_host() {
        let too_long = format!("https://example.com/{}", "a".repeat(2000));
        let cases = [
            ("https://example.com/logo.png", true, "https"),
            ("http://cdn.example.com/a?b=c", true, "http with a query"),
            ("HTTPS://EXAMPLE.COM/LOGO.PNG", true, "scheme in any case"),
            ("ftp://example.com/logo.png", false, "other scheme"),
            ("javascript:alert(1)", false, "script url"),
            ("https:///logo.png", false, "no host"),
            ("https://exa mple.com", false, "space"),
            ("example.com/logo.png", false, "no scheme"),
            (too_long.as_str(), false, "longer than 2000 characters"),
        ];

        for (input, valid, message) in cases {
            assert_eq!(LogoUrl::parse(input).is_ok(), valid, "{message}: {input}");
        }
    }
}
