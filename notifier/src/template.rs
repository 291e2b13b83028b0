//! The mail templates (`template/<name>/subject.txt`, `body.txt`, `body.html`), rendered from a
//! typed [`MailContext`]. Every value is HTML-escaped in the HTML body, and a value is never
//! read as a template itself.

use std::collections::BTreeMap;

use crate::rules::Template;

/// What a template may show. Customer mail carries public content only: the caller fills
/// `comment` with a public comment or nothing, never an internal one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailContext {
    /// The portal's name from the settings.
    pub portal_name: String,
    /// The portal's colour from the settings, e.g. `#1f6feb`.
    pub colour: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// `INC-<n>`, for incident mail.
    pub reference: String,
    /// The incident's title.
    pub title: String,
    /// The incident's status.
    pub status: String,
    /// The incident's description.
    pub description: String,
    /// The comment the mail is about, if any.
    pub comment: String,
    /// The link the mail leads to.
    pub link: String,
    /// The portal's address.
    pub portal_link: String,
    /// When a welcome link stops working.
    pub expires_at: String,
}

/// A rendered mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Renders `template` with `context`.
#[must_use]
pub fn render(template: Template, context: &MailContext) -> Rendered {
    let (subject, text, html) = match template {
        Template::IncidentLogged => (
            include_str!("template/incident_logged/subject.txt"),
            include_str!("template/incident_logged/body.txt"),
            include_str!("template/incident_logged/body.html"),
        ),
        Template::CustomerUpdate => (
            include_str!("template/customer_update/subject.txt"),
            include_str!("template/customer_update/body.txt"),
            include_str!("template/customer_update/body.html"),
        ),
        Template::CustomerNotification => (
            include_str!("template/customer_notification/subject.txt"),
            include_str!("template/customer_notification/body.txt"),
            include_str!("template/customer_notification/body.html"),
        ),
        Template::Welcome => (
            include_str!("template/welcome/subject.txt"),
            include_str!("template/welcome/body.txt"),
            include_str!("template/welcome/body.html"),
        ),
    };
    let values = context.values();
    // A subject is one line: line breaks in a title must not start new headers.
    let subject = fill(subject, &values, |value| value.replace(['\r', '\n'], " "));
    Rendered {
        subject: subject.trim().to_owned(),
        text: fill(text, &values, str::to_owned),
        html: fill(html, &values, escape_html),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

impl MailContext {
    fn values(&self) -> BTreeMap<&'static str, &str> {
        BTreeMap::from([
            ("portal_name", self.portal_name.as_str()),
            ("colour", self.colour.as_str()),
            ("recipient_name", self.recipient_name.as_str()),
            ("reference", self.reference.as_str()),
            ("title", self.title.as_str()),
            ("status", self.status.as_str()),
            ("description", self.description.as_str()),
            ("comment", self.comment.as_str()),
            ("link", self.link.as_str()),
            ("portal_link", self.portal_link.as_str()),
            ("expires_at", self.expires_at.as_str()),
        ])
    }
}

/// Replaces each `{{name}}` of `template` by its value passed through `encode`, in one pass so
/// that a value holding `{{...}}` stays text. An unknown name is left as it is.
fn fill(
    template: &str,
    values: &BTreeMap<&'static str, &str>,
    encode: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        match values.get(&after[..end]) {
            Some(value) => out.push_str(&encode(value)),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{MailContext, render};
    use crate::rules::Template;

    #[test]
    fn html_bodies_escape_values_and_subjects_carry_the_reference_on_one_line() {
        let context = MailContext {
            portal_name: "Acme <Desk>".to_owned(),
            colour: "#123456".to_owned(),
            reference: "INC-42".to_owned(),
            title: "Printer\r\nBcc: someone".to_owned(),
            comment: "<script>alert(1)</script> {{link}}".to_owned(),
            link: "http://127.0.0.1:8080/portal".to_owned(),
            ..MailContext::default()
        };

        let mail = render(Template::CustomerNotification, &context);

        assert_eq!(
            mail.subject,
            "[INC-42] Update on your incident: Printer  Bcc: someone"
        );
        assert!(
            mail.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; {{link}}")
        );
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("Acme &lt;Desk&gt;"));
        assert!(mail.html.contains("#123456"));
        assert!(
            mail.text.contains("<script>alert(1)</script> {{link}}"),
            "text stays text"
        );
    }
}
