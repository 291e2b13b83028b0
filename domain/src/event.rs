//! The crate-level `Event`: one enum over every aggregate's events, decoded from a stored
//! (stream, type, data) triple.
//!
//! Past 500 lines because the tests hold one sample of every event type: covering them all is
//! the point of the round-trip tests.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::company::CompanyEvent;
use crate::customer::CustomerEvent;
use crate::error::DecodeError;
use crate::incident::IncidentEvent;
use crate::portal_settings::PortalSettingsEvent;
use crate::service::ServiceEvent;
use crate::stream::{AggregateId, StreamName};
use crate::upcast::{current_schema_version, upcast};
use crate::user::UserEvent;

/// Any domain event, tagged with the kind of aggregate it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An event of a service stream.
    Service(ServiceEvent),
    /// An event of a company stream.
    Company(CompanyEvent),
    /// An event of a customer stream.
    Customer(CustomerEvent),
    /// An event of a staff user stream.
    User(UserEvent),
    /// An event of an incident stream.
    Incident(IncidentEvent),
    /// An event of the portal settings stream.
    PortalSettings(PortalSettingsEvent),
}

impl Event {
    /// Decodes data at the current schema version, read from `stream`.
    ///
    /// # Errors
    ///
    /// Returns [`DecodeError::WrongStream`] when the stream belongs to no aggregate or the type
    /// belongs to another kind of aggregate, and the aggregate event's decode errors otherwise.
    pub fn decode(stream: &StreamName, event_type: &str, data: Value) -> Result<Self, DecodeError> {
        let wrong_stream = || DecodeError::WrongStream {
            stream: stream.clone(),
            event_type: event_type.to_owned(),
        };
        let Some(aggregate) = stream.aggregate_id() else {
            return Err(wrong_stream());
        };
        if current_schema_version(event_type).is_none() {
            return Err(DecodeError::UnknownEventType {
                event_type: event_type.to_owned(),
            });
        }
        let belongs = match aggregate {
            AggregateId::Service(_) => ServiceEvent::owns_type(event_type),
            AggregateId::Company(_) => CompanyEvent::owns_type(event_type),
            AggregateId::Customer(_) => CustomerEvent::owns_type(event_type),
            AggregateId::User(_) => UserEvent::owns_type(event_type),
            AggregateId::Incident(_) => IncidentEvent::owns_type(event_type),
            AggregateId::PortalSettings => PortalSettingsEvent::owns_type(event_type),
        };
        if !belongs {
            return Err(wrong_stream());
        }

        Ok(match aggregate {
            AggregateId::Service(_) => Self::Service(ServiceEvent::from_data(event_type, data)?),
            AggregateId::Company(_) => Self::Company(CompanyEvent::from_data(event_type, data)?),
            AggregateId::Customer(_) => Self::Customer(CustomerEvent::from_data(event_type, data)?),
            AggregateId::User(_) => Self::User(UserEvent::from_data(event_type, data)?),
            AggregateId::Incident(_) => Self::Incident(IncidentEvent::from_data(event_type, data)?),
            AggregateId::PortalSettings => {
                Self::PortalSettings(PortalSettingsEvent::from_data(event_type, data)?)
            }
        })
    }

    /// Upcasts data stored at `schema_version`, then decodes it; the usual read path.
    ///
    /// # Errors
    ///
    /// Returns [`DecodeError::Upcast`] when the data cannot be brought to the current version,
    /// and the errors of [`Event::decode`] otherwise.
    pub fn decode_stored(
        stream: &StreamName,
        event_type: &str,
        schema_version: u16,
        data: Value,
    ) -> Result<Self, DecodeError> {
        let (_, data) = upcast(event_type, schema_version, data)?;
        Self::decode(stream, event_type, data)
    }

    /// The stable type string, e.g. `incident.logged`.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Service(evt) => evt.event_type(),
            Self::Company(evt) => evt.event_type(),
            Self::Customer(evt) => evt.event_type(),
            Self::User(evt) => evt.event_type(),
            Self::Incident(evt) => evt.event_type(),
            Self::PortalSettings(evt) => evt.event_type(),
        }
    }

    /// The schema version the data of [`Event::to_data`] is written in.
    #[must_use]
    pub fn schema_version(&self) -> u16 {
        match self {
            Self::Service(evt) => evt.schema_version(),
            Self::Company(evt) => evt.schema_version(),
            Self::Customer(evt) => evt.schema_version(),
            Self::User(evt) => evt.schema_version(),
            Self::Incident(evt) => evt.schema_version(),
            Self::PortalSettings(evt) => evt.schema_version(),
        }
    }

    /// The event's data as a JSON object, without its type.
    #[must_use]
    pub fn to_data(&self) -> Value {
        match self {
            Self::Service(evt) => evt.to_data(),
            Self::Company(evt) => evt.to_data(),
            Self::Customer(evt) => evt.to_data(),
            Self::User(evt) => evt.to_data(),
            Self::Incident(evt) => evt.to_data(),
            Self::PortalSettings(evt) => evt.to_data(),
        }
    }
}

macro_rules! event_from {
    ($($variant:ident($inner:ty)),* $(,)?) => {
        $(
            impl From<$inner> for Event {
                fn from(evt: $inner) -> Self {
                    Self::$variant(evt)
                }
            }
        )*
    };
}

event_from!(
    Service(ServiceEvent),
    Company(CompanyEvent),
    Customer(CustomerEvent),
    User(UserEvent),
    Incident(IncidentEvent),
    PortalSettings(PortalSettingsEvent),
);

/// Encodes an aggregate event enum declared `#[serde(tag = "type", content = "data")]` and
/// returns only its data.
pub(crate) fn encode_data<E: Serialize>(evt: &E) -> Value {
    let tagged = serde_json::to_value(evt)
        .expect("event enums hold only strings, ids, numbers, booleans and sets of ids");
    if let Value::Object(mut fields) = tagged {
        return fields.remove("data").unwrap_or(Value::Object(Map::new()));
    }
    tagged
}

/// Decodes data of `event_type` into an aggregate event enum declared
/// `#[serde(tag = "type", content = "data")]`, after checking that the enum owns the type.
pub(crate) fn decode_data<E: DeserializeOwned>(
    owns_type: bool,
    event_type: &str,
    data: Value,
) -> Result<E, DecodeError> {
    if !owns_type {
        return Err(DecodeError::UnknownEventType {
            event_type: event_type.to_owned(),
        });
    }
    let mut tagged = Map::new();
    tagged.insert("type".to_owned(), Value::String(event_type.to_owned()));
    tagged.insert("data".to_owned(), data);
    serde_json::from_value(Value::Object(tagged)).map_err(|source| DecodeError::InvalidData {
        event_type: event_type.to_owned(),
        source,
    })
}

/// Whether `event_type` is a known type starting with `prefix`, e.g. `service.`.
pub(crate) fn owns_type(prefix: &str, event_type: &str) -> bool {
    event_type.starts_with(prefix) && current_schema_version(event_type).is_some()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{DateTime, Utc};
    use serde_json::json;
    use uuid::Uuid;

    use super::*;
    use crate::id::{
        CommentId, CompanyId, CustomerId, IncidentId, IncidentReference, ServiceId, UserId,
    };
    use crate::incident::IncidentStatus;
    use crate::meta::{Actor, Channel};
    use crate::portal_settings::{Appearance, PortalType};
    use crate::upcast::EVENT_TYPES;
    use crate::user::Role;
    use crate::value::{
        Colour, CommentBody, Description, Email, IncidentTitle, IncidentType, LogoUrl, Name,
        PasswordHash, PortalTypeName, TokenHash,
    };

    fn uuid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn name() -> Name {
        Name::parse("Company A").unwrap()
    }

    fn service_events() -> Vec<ServiceEvent> {
        vec![
            ServiceEvent::Created {
                service_id: ServiceId::from_uuid(uuid(1)),
                name: name(),
            },
            ServiceEvent::Renamed { name: name() },
            ServiceEvent::Retired {},
        ]
    }

    fn company_events() -> Vec<CompanyEvent> {
        let service_id = ServiceId::from_uuid(uuid(1));
        vec![
            CompanyEvent::Registered {
                company_id: CompanyId::from_uuid(uuid(2)),
                name: name(),
            },
            CompanyEvent::Renamed { name: name() },
            CompanyEvent::ServiceGranted { service_id },
            CompanyEvent::ServiceRevoked { service_id },
        ]
    }

    fn customer_events() -> Vec<CustomerEvent> {
        let service_id = ServiceId::from_uuid(uuid(1));
        let expires_at: DateTime<Utc> = "2025-06-01T12:00:00Z".parse().unwrap();
        vec![
            CustomerEvent::Registered {
                customer_id: CustomerId::from_uuid(uuid(3)),
                name: name(),
                email: Email::parse("a@example.com").unwrap(),
                company_id: Some(CompanyId::from_uuid(uuid(2))),
            },
            CustomerEvent::DetailsChanged {
                name: None,
                email: Some(Email::parse("b@example.com").unwrap()),
            },
            CustomerEvent::MovedToCompany { company_id: None },
            CustomerEvent::PortalAccessGranted {},
            CustomerEvent::PortalAccessRevoked {},
            CustomerEvent::PasswordSet {
                password_hash: PasswordHash::parse("$argon2id$x").unwrap(),
            },
            CustomerEvent::CompanyAdminGranted {},
            CustomerEvent::CompanyAdminRevoked {},
            CustomerEvent::CompanyWideVisibilityGranted {},
            CustomerEvent::CompanyWideVisibilityRevoked {},
            CustomerEvent::ServiceGranted { service_id },
            CustomerEvent::ServiceRevoked { service_id },
            CustomerEvent::WelcomeEmailRequested {
                token_hash: TokenHash::parse("abc").unwrap(),
                expires_at,
            },
        ]
    }

    fn user_events() -> Vec<UserEvent> {
        vec![
            UserEvent::Created {
                user_id: UserId::from_uuid(uuid(4)),
                name: name(),
                email: Email::parse("agent@example.com").unwrap(),
                role: Role::Agent,
            },
            UserEvent::RoleChanged { role: Role::Admin },
            UserEvent::Deactivated {},
            UserEvent::PasswordSet {
                password_hash: PasswordHash::parse("$argon2id$y").unwrap(),
            },
        ]
    }

    fn incident_events() -> Vec<IncidentEvent> {
        let comment_id = CommentId::from_uuid(uuid(6));
        vec![
            IncidentEvent::Logged {
                incident_id: IncidentId::from_uuid(uuid(5)),
                reference: IncidentReference::from_number(1).unwrap(),
                title: IncidentTitle::parse("Down").unwrap(),
                description: Description::parse("").unwrap(),
                incident_type: IncidentType::parse("bug").unwrap(),
                portal_type: Some(PortalTypeName::parse("issue").unwrap()),
                service_id: ServiceId::from_uuid(uuid(1)),
                customer_id: Some(CustomerId::from_uuid(uuid(3))),
                company_id: None,
                channel: Channel::Email,
                shown_in_portal: true,
            },
            IncidentEvent::DetailsChanged {
                title: Some(IncidentTitle::parse("Up").unwrap()),
                description: None,
            },
            IncidentEvent::TypeChanged {
                incident_type: IncidentType::parse("query").unwrap(),
            },
            IncidentEvent::ServiceChanged {
                service_id: ServiceId::from_uuid(uuid(7)),
            },
            IncidentEvent::CustomerChanged {
                customer_id: None,
                company_id: None,
            },
            IncidentEvent::Assigned {
                assignee_id: UserId::from_uuid(uuid(4)),
            },
            IncidentEvent::Unassigned {},
            IncidentEvent::StatusChanged {
                status: IncidentStatus::InProgress,
            },
            IncidentEvent::CommentAdded {
                comment_id,
                body: CommentBody::parse("Hello").unwrap(),
                public: false,
                author: Actor::Staff(UserId::from_uuid(uuid(4))),
            },
            IncidentEvent::ShownInPortal {},
            IncidentEvent::HiddenFromPortal {},
            IncidentEvent::CustomerNotificationRequested {
                customer_id: CustomerId::from_uuid(uuid(3)),
                comment_id: Some(comment_id),
            },
        ]
    }

    fn portal_settings_events() -> Vec<PortalSettingsEvent> {
        vec![
            PortalSettingsEvent::AppearanceChanged(Appearance {
                name: Some(name()),
                background_colour: Some(Colour::parse("#abcdef").unwrap()),
                logo_url: Some(LogoUrl::parse("https://example.com/l.png").unwrap()),
            }),
            PortalSettingsEvent::PortalTypeMapped(PortalType {
                name: PortalTypeName::parse("outage").unwrap(),
                label: Name::parse("Outage").unwrap(),
                incident_type: IncidentType::parse("major_incident").unwrap(),
                enabled: false,
            }),
            PortalSettingsEvent::DefaultAssigneeSet {
                assignee_id: Some(UserId::from_uuid(uuid(4))),
            },
        ]
    }

    /// One event of every variant, with the stream it belongs on.
    fn every_event() -> Vec<(StreamName, Event)> {
        let on = |stream: StreamName| move |evt: Event| (stream.clone(), evt);
        let mut events = Vec::new();
        events.extend(
            service_events()
                .into_iter()
                .map(Event::from)
                .map(on(StreamName::service(ServiceId::from_uuid(uuid(1))))),
        );
        events.extend(
            company_events()
                .into_iter()
                .map(Event::from)
                .map(on(StreamName::company(CompanyId::from_uuid(uuid(2))))),
        );
        events.extend(
            customer_events()
                .into_iter()
                .map(Event::from)
                .map(on(StreamName::customer(CustomerId::from_uuid(uuid(3))))),
        );
        events.extend(
            user_events()
                .into_iter()
                .map(Event::from)
                .map(on(StreamName::user(UserId::from_uuid(uuid(4))))),
        );
        events.extend(
            incident_events()
                .into_iter()
                .map(Event::from)
                .map(on(StreamName::incident(IncidentId::from_uuid(uuid(5))))),
        );
        events.extend(
            portal_settings_events()
                .into_iter()
                .map(Event::from)
                .map(on(StreamName::portal_settings())),
        );
        events
    }

    #[test]
    fn every_event_round_trips_through_its_type_and_data() {
        for (stream, event) in every_event() {
            let event_type = event.event_type();
            let data = event.to_data();

            let decoded = Event::decode(&stream, event_type, data.clone()).unwrap();

            assert_eq!(decoded, event, "{event_type}");
            assert!(
                data.is_object(),
                "{event_type} data must be a JSON object, got {data}"
            );
        }
    }

    #[test]
    fn aggregate_event_enums_round_trip_on_their_own() {
        for evt in service_events() {
            assert_eq!(
                ServiceEvent::from_data(evt.event_type(), evt.to_data()).unwrap(),
                evt
            );
        }
        for evt in company_events() {
            assert_eq!(
                CompanyEvent::from_data(evt.event_type(), evt.to_data()).unwrap(),
                evt
            );
        }
        for evt in customer_events() {
            assert_eq!(
                CustomerEvent::from_data(evt.event_type(), evt.to_data()).unwrap(),
                evt
            );
        }
        for evt in user_events() {
            assert_eq!(
                UserEvent::from_data(evt.event_type(), evt.to_data()).unwrap(),
                evt
            );
        }
        for evt in incident_events() {
            assert_eq!(
                IncidentEvent::from_data(evt.event_type(), evt.to_data()).unwrap(),
                evt
            );
        }
        for evt in portal_settings_events() {
            assert_eq!(
                PortalSettingsEvent::from_data(evt.event_type(), evt.to_data()).unwrap(),
                evt
            );
        }
    }

    #[test]
    fn the_samples_cover_exactly_the_registered_event_types() {
        let sampled: BTreeSet<&str> = every_event()
            .iter()
            .map(|(_, event)| event.event_type())
            .collect();
        let registered: BTreeSet<&str> = EVENT_TYPES
            .iter()
            .map(|(event_type, _)| *event_type)
            .collect();

        assert_eq!(sampled, registered);
        assert_eq!(
            every_event().len(),
            EVENT_TYPES.len(),
            "one sample per variant"
        );
    }

    #[test]
    fn every_event_reports_its_registered_schema_version() {
        for (_, event) in every_event() {
            let expected = current_schema_version(event.event_type());

            assert_eq!(
                Some(event.schema_version()),
                expected,
                "{}",
                event.event_type()
            );
        }
    }

    #[test]
    fn event_data_is_a_delta_with_plain_field_names() {
        let granted = CompanyEvent::ServiceGranted {
            service_id: ServiceId::from_uuid(uuid(1)),
        };
        let comment = &incident_events()[8];

        assert_eq!(
            granted.to_data(),
            json!({"service_id": "00000000-0000-0000-0000-000000000001"})
        );
        assert_eq!(comment.to_data()["public"], json!(false));
        assert_eq!(ServiceEvent::Retired {}.to_data(), json!({}));
    }

    #[test]
    fn an_event_type_on_the_wrong_kind_of_stream_is_refused() {
        let stream = StreamName::customer(CustomerId::from_uuid(uuid(3)));

        let result = Event::decode(&stream, "incident.shown_in_portal", json!({}));

        assert!(
            matches!(result, Err(DecodeError::WrongStream { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_stream_of_no_aggregate_is_refused() {
        let stream = StreamName::parse("ticket-1").unwrap();

        let result = Event::decode(&stream, "service.retired", json!({}));

        assert!(
            matches!(result, Err(DecodeError::WrongStream { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn an_unknown_event_type_is_refused() {
        let stream = StreamName::service(ServiceId::from_uuid(uuid(1)));

        let via_event = Event::decode(&stream, "service.exploded", json!({}));
        let via_enum = ServiceEvent::from_data("company.renamed", json!({"name": "X"}));

        assert!(
            matches!(via_event, Err(DecodeError::UnknownEventType { .. })),
            "{via_event:?}"
        );
        assert!(
            matches!(via_enum, Err(DecodeError::UnknownEventType { .. })),
            "{via_enum:?}"
        );
    }

    #[test]
    fn data_that_breaks_a_value_rule_is_refused() {
        let stream = StreamName::service(ServiceId::from_uuid(uuid(1)));
        let cases = [
            ("service.renamed", json!({"name": ""}), "empty name"),
            ("service.renamed", json!({}), "missing field"),
            (
                "service.created",
                json!({"service_id": "nope", "name": "A"}),
                "malformed id",
            ),
        ];

        for (event_type, data, message) in cases {
            let result = Event::decode(&stream, event_type, data);

            assert!(
                matches!(result, Err(DecodeError::InvalidData { .. })),
                "{message}: {result:?}"
            );
        }
    }

    #[test]
    fn a_stored_v1_comment_is_upcast_before_decoding() {
        let stream = StreamName::incident(IncidentId::from_uuid(uuid(5)));
        let v1 = json!({
            "comment_id": "00000000-0000-0000-0000-000000000006",
            "body": "Looking into it",
            "internal": true,
            "author": "staff:00000000-0000-0000-0000-000000000004",
        });

        let event = Event::decode_stored(&stream, "incident.comment_added", 1, v1).unwrap();

        let Event::Incident(IncidentEvent::CommentAdded { public, .. }) = event else {
            panic!("expected a comment, got {event:?}");
        };
        assert!(!public, "an internal v1 comment must not become public");
    }

    #[test]
    fn a_stored_event_from_the_future_is_refused() {
        let stream = StreamName::incident(IncidentId::from_uuid(uuid(5)));

        let result = Event::decode_stored(&stream, "incident.shown_in_portal", 2, json!({}));

        assert!(matches!(result, Err(DecodeError::Upcast(_))), "{result:?}");
    }
}
