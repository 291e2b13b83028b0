//! Stream names: one stream per aggregate, `service-<id>` ... `incident-<id>`, and the
//! singleton `portal-settings`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;
use crate::id::{CompanyId, CustomerId, IncidentId, ServiceId, UserId};

/// The name of an event stream: non-empty, at most 200 bytes, only `[a-z0-9-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamName(String);

/// The aggregate a stream belongs to, read back from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateId {
    /// `service-<id>`.
    Service(ServiceId),
    /// `company-<id>`.
    Company(CompanyId),
    /// `customer-<id>`.
    Customer(CustomerId),
    /// `user-<id>`: a staff user.
    User(UserId),
    /// `incident-<id>`.
    Incident(IncidentId),
    /// `portal-settings`: the singleton.
    PortalSettings,
}

const MAX_LEN: usize = 200;
const PORTAL_SETTINGS: &str = "portal-settings";

impl StreamName {
    /// Validates a stream name.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] when `input` is empty, longer than 200 bytes, or holds a
    /// character outside `[a-z0-9-]`.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        if input.is_empty() {
            return Err(InvalidValue::new("stream name", "must not be empty"));
        }
        if input.len() > MAX_LEN {
            return Err(InvalidValue::new("stream name", "longer than 200 bytes"));
        }
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if !input.bytes().all(allowed) {
            return Err(InvalidValue::new(
                "stream name",
                "only a-z, 0-9 and '-' are allowed",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stream of one service.
    #[must_use]
    pub fn service(id: ServiceId) -> Self {
        Self(format!("service-{id}"))
    }

    /// The stream of one company.
    #[must_use]
    pub fn company(id: CompanyId) -> Self {
        Self(format!("company-{id}"))
    }

    /// The stream of one customer.
    #[must_use]
    pub fn customer(id: CustomerId) -> Self {
        Self(format!("customer-{id}"))
    }

    /// The stream of one staff user.
    #[must_use]
    pub fn user(id: UserId) -> Self {
        Self(format!("user-{id}"))
    }

    /// The stream of one incident.
    #[must_use]
    pub fn incident(id: IncidentId) -> Self {
        Self(format!("incident-{id}"))
    }

    /// The singleton stream of the portal settings.
    #[must_use]
    pub fn portal_settings() -> Self {
        Self(PORTAL_SETTINGS.to_owned())
    }

    /// The aggregate this stream belongs to, or `None` for a name no aggregate uses.
    #[must_use]
    pub fn aggregate_id(&self) -> Option<AggregateId> {
        if self.0 == PORTAL_SETTINGS {
            return Some(AggregateId::PortalSettings);
        }
        let (category, id) = self.0.split_once('-')?;
        match category {
            "service" => ServiceId::parse(id).ok().map(AggregateId::Service),
            "company" => CompanyId::parse(id).ok().map(AggregateId::Company),
            "customer" => CustomerId::parse(id).ok().map(AggregateId::Customer),
            "user" => UserId::parse(id).ok().map(AggregateId::User),
            "incident" => IncidentId::parse(id).ok().map(AggregateId::Incident),
            _ => None,
        }
    }
}

impl From<AggregateId> for StreamName {
    fn from(id: AggregateId) -> Self {
        match id {
            AggregateId::Service(id) => Self::service(id),
            AggregateId::Company(id) => Self::company(id),
            AggregateId::Customer(id) => Self::customer(id),
            AggregateId::User(id) => Self::user(id),
            AggregateId::Incident(id) => Self::incident(id),
            AggregateId::PortalSettings => Self::portal_settings(),
        }
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for StreamName {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<String> for StreamName {
    type Error = InvalidValue;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<StreamName> for String {
    fn from(name: StreamName) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn stream_names_accept_only_short_lowercase_names() {
        let too_long = "a".repeat(201);
        let longest = "a".repeat(200);
        let cases = [
            ("service-1", true, "lowercase letters, digits and a hyphen"),
            ("portal-settings", true, "the singleton"),
            (longest.as_str(), true, "exactly 200 bytes"),
            ("", false, "empty"),
            (too_long.as_str(), false, "201 bytes"),
            ("Service-1", false, "uppercase"),
            ("service_1", false, "underscore"),
            ("service 1", false, "space"),
            ("sérvice", false, "non-ascii"),
        ];

        for (input, valid, message) in cases {
            let result = StreamName::parse(input);

            assert_eq!(result.is_ok(), valid, "{message}: {input:?}");
        }
    }

    #[test]
    fn stream_name_errors_say_what_was_invalid() {
        let error = StreamName::parse("Nope").unwrap_err();

        assert!(
            error.to_string().starts_with("invalid stream name: "),
            "{error}"
        );
    }

    #[test]
    fn aggregate_streams_are_named_after_kind_and_id() {
        let id = Uuid::from_u128(1);
        let expected_suffix = "00000000-0000-0000-0000-000000000001";
        let cases = [
            (StreamName::service(ServiceId::from_uuid(id)), "service-"),
            (StreamName::company(CompanyId::from_uuid(id)), "company-"),
            (StreamName::customer(CustomerId::from_uuid(id)), "customer-"),
            (StreamName::user(UserId::from_uuid(id)), "user-"),
            (StreamName::incident(IncidentId::from_uuid(id)), "incident-"),
        ];

        for (stream, prefix) in cases {
            assert_eq!(stream.as_str(), format!("{prefix}{expected_suffix}"));
            assert!(
                StreamName::parse(stream.as_str()).is_ok(),
                "{stream} must be valid"
            );
            let round_trip = StreamName::from(stream.aggregate_id().unwrap());
            assert_eq!(round_trip, stream);
        }
        assert_eq!(StreamName::portal_settings().as_str(), "portal-settings");
    }

    #[test]
    fn unknown_stream_kinds_belong_to_no_aggregate() {
        let cases = [
            "ticket-00000000-0000-0000-0000-000000000001",
            "service-nope",
            "service",
        ];

        for input in cases {
            let stream = StreamName::parse(input).unwrap();

            assert_eq!(stream.aggregate_id(), None, "{input}");
        }
    }

    #[test]
    fn stream_names_serialise_as_strings_and_validate_on_the_way_in() {
        let stream = StreamName::portal_settings();

        let json = serde_json::to_value(&stream).unwrap();

        assert_eq!(json, serde_json::json!("portal-settings"));
        assert!(serde_json::from_value::<StreamName>(serde_json::json!("Bad Name")).is_err());
    }
}
