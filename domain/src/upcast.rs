//! Schema evolution: the registry of persisted event types with their current schema
//! versions, and the upcasters that bring older stored data up to date.
//!
//! The store calls [`upcast`] on every read path before decoding. A type string, once
//! persisted, is never renamed or reused; a change of shape gets a new schema version and an
//! upcaster step here.

use serde_json::Value;

/// Every persisted event type with its current schema version.
///
/// Adding a type means adding it here; changing the data of a type means raising its version
/// and adding a step to the private `upcast_step`.
pub const EVENT_TYPES: &[(&str, u16)] = &[
    ("service.created", 1),
    ("service.renamed", 1),
    ("service.retired", 1),
    ("company.registered", 1),
    ("company.renamed", 1),
    ("company.service_granted", 1),
    ("company.service_revoked", 1),
    ("customer.registered", 1),
    ("customer.details_changed", 1),
    ("customer.moved_to_company", 1),
    ("customer.portal_access_granted", 1),
    ("customer.portal_access_revoked", 1),
    ("customer.password_set", 1),
    ("customer.company_admin_granted", 1),
    ("customer.company_admin_revoked", 1),
    ("customer.company_wide_visibility_granted", 1),
    ("customer.company_wide_visibility_revoked", 1),
    ("customer.service_granted", 1),
    ("customer.service_revoked", 1),
    ("customer.welcome_email_requested", 1),
    ("user.created", 1),
    ("user.role_changed", 1),
    ("user.deactivated", 1),
    ("user.password_set", 1),
    ("incident.logged", 1),
    ("incident.details_changed", 1),
    ("incident.type_changed", 1),
    ("incident.service_changed", 1),
    ("incident.customer_changed", 1),
    ("incident.assigned", 1),
    ("incident.unassigned", 1),
    ("incident.status_changed", 1),
    ("incident.comment_added", 2),
    ("incident.shown_in_portal", 1),
    ("incident.hidden_from_portal", 1),
    ("incident.customer_notification_requested", 1),
    ("portal_settings.appearance_changed", 1),
    ("portal_settings.portal_type_mapped", 1),
    ("portal_settings.default_assignee_set", 1),
];

/// Stored event data that cannot be brought to the current schema version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError {
    /// The stored version is zero or newer than this build knows, e.g. written by a newer
    /// release.
    #[error("unknown schema version {schema_version} of event type {event_type:?}")]
    UnknownVersion {
        /// The stored type string.
        event_type: String,
        /// The stored schema version.
        schema_version: u16,
    },
    /// The stored data does not have the shape its version promises.
    #[error(
        "failed to upcast event type {event_type:?} from schema version {schema_version}: {reason}"
    )]
    InvalidData {
        /// The stored type string.
        event_type: String,
        /// The version whose step failed.
        schema_version: u16,
        /// What was wrong with the data.
        reason: &'static str,
    },
}

/// The current schema version of `event_type`, or `None` for a type the domain does not know.
#[must_use]
pub fn current_schema_version(event_type: &str) -> Option<u16> {
    EVENT_TYPES
        .iter()
        .find(|(known, _)| *known == event_type)
        .map(|(_, version)| *version)
}

/// Brings stored event data of `schema_version` to the current version of its type.
///
/// Data already at the current version comes back unchanged. Unknown event types pass through
/// unchanged, so that a reader can skip or report them itself.
///
/// # Errors
///
/// Returns [`UpcastError::UnknownVersion`] for version zero or a version newer than the current
/// one, and [`UpcastError::InvalidData`] when old data lacks what its upcaster needs.
pub fn upcast(
    event_type: &str,
    schema_version: u16,
    data: Value,
) -> Result<(u16, Value), UpcastError> {
    let Some(current) = current_schema_version(event_type) else {
        return Ok((schema_version, data));
    };
    if schema_version == 0 || schema_version > current {
        return Err(UpcastError::UnknownVersion {
            event_type: event_type.to_owned(),
            schema_version,
        });
    }

    let mut version = schema_version;
    let mut data = data;
    while version < current {
        data = upcast_step(event_type, version, data)?;
        version += 1;
    }

    Ok((version, data))
}

/// Upcasts `data` from `version` to `version + 1`.
fn upcast_step(event_type: &str, version: u16, data: Value) -> Result<Value, UpcastError> {
    match (event_type, version) {
        ("incident.comment_added", 1) => comment_internal_to_public(data),
        _ => Err(UpcastError::UnknownVersion {
            event_type: event_type.to_owned(),
            schema_version: version,
        }),
    }
}

/// `incident.comment_added` v1 -> v2: the flag `internal` became `public`, its negation.
fn comment_internal_to_public(data: Value) -> Result<Value, UpcastError> {
    let invalid = |reason| UpcastError::InvalidData {
        event_type: "incident.comment_added".to_owned(),
        schema_version: 1,
        reason,
    };
    let Value::Object(mut fields) = data else {
        return Err(invalid("expected a JSON object"));
    };
    let Some(Value::Bool(internal)) = fields.remove("internal") else {
        return Err(invalid("expected a boolean field \"internal\""));
    };
    fields.insert("public".to_owned(), Value::Bool(!internal));

    Ok(Value::Object(fields))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn v1_comment(internal: bool) -> Value {
        json!({
            "comment_id": "00000000-0000-0000-0000-000000000001",
            "body": "Rebooted the router",
            "internal": internal,
            "author": "system",
        })
    }

    #[test]
    fn an_internal_v1_comment_reads_as_not_public() {
        let data = v1_comment(true);

        let (version, upcast_data) = upcast("incident.comment_added", 1, data).unwrap();

        assert_eq!(version, 2);
        assert_eq!(upcast_data["public"], json!(false));
        assert!(
            upcast_data.get("internal").is_none(),
            "the old flag is gone"
        );
        assert_eq!(upcast_data["body"], json!("Rebooted the router"));
    }

    #[test]
    fn a_public_v1_comment_reads_as_public() {
        let data = v1_comment(false);

        let (_, upcast_data) = upcast("incident.comment_added", 1, data).unwrap();

        assert_eq!(upcast_data["public"], json!(true));
    }

    #[test]
    fn data_at_the_current_version_passes_through_unchanged() {
        let data = json!({"comment_id": "x", "body": "b", "public": true, "author": "system"});

        let result = upcast("incident.comment_added", 2, data.clone()).unwrap();

        assert_eq!(result, (2, data));
    }

    #[test]
    fn a_version_newer_than_the_current_one_is_an_error() {
        let data = json!({});

        let error = upcast("incident.comment_added", 3, data).unwrap_err();

        assert_eq!(
            error,
            UpcastError::UnknownVersion {
                event_type: "incident.comment_added".to_owned(),
                schema_version: 3,
            }
        );
        assert!(
            error.to_string().contains("incident.comment_added"),
            "{error}"
        );
    }

    #[test]
    fn version_zero_is_an_error() {
        let result = upcast("service.created", 0, json!({}));

        assert!(
            matches!(result, Err(UpcastError::UnknownVersion { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn unknown_event_types_pass_through_unchanged() {
        let data = json!({"anything": 1});

        let result = upcast("ticket.opened", 7, data.clone()).unwrap();

        assert_eq!(result, (7, data));
        assert_eq!(current_schema_version("ticket.opened"), None);
    }

    #[test]
    fn old_data_without_the_flag_cannot_be_upcast() {
        let cases = [
            (json!({"body": "b"}), "missing flag"),
            (json!({"internal": "yes"}), "flag is not a boolean"),
            (json!([1, 2]), "not an object"),
        ];

        for (data, message) in cases {
            let result = upcast("incident.comment_added", 1, data);

            assert!(
                matches!(result, Err(UpcastError::InvalidData { .. })),
                "{message}"
            );
        }
    }

    #[test]
    fn every_type_except_comment_added_is_at_version_one() {
        for (event_type, version) in EVENT_TYPES {
            let expected = if *event_type == "incident.comment_added" {
                2
            } else {
                1
            };

            assert_eq!(*version, expected, "{event_type}");
        }
    }

    #[test]
    fn event_types_are_listed_once() {
        let mut names: Vec<&str> = EVENT_TYPES.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let n_names = names.len();

        names.dedup();

        assert_eq!(names.len(), n_names, "a type string is listed twice");
    }
}
