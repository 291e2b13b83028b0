//! The crate-level `Event`: one enum over every aggregate's events, decoded from a stored
//! (stream, type, data) triple.

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
            return Err(DecodeError::UnknownEventType { event_type: event_type.to_owned() });
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
            AggregateId::Customer(_) => {
                Self::Customer(CustomerEvent::from_data(event_type, data)?)
            }
            AggregateId::User(_) => Self::User(UserEvent::from_data(event_type, data)?),
            AggregateId::Incident(_) => {
                Self::Incident(IncidentEvent::from_data(event_type, data)?)
            }
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
    match tagged {
        Value::Object(mut fields) => fields.remove("data").unwrap_or(Value::Object(Map::new())),
        other => other,
    }
}

/// Decodes data of `event_type` into an aggregate event enum declared
/// `#[serde(tag = "type", content = "data")]`, after checking that the enum owns the type.
pub(crate) fn decode_data<E: DeserializeOwned>(
    owns_type: bool,
    event_type: &str,
    data: Value,
) -> Result<E, DecodeError> {
    if !owns_type {
        return Err(DecodeError::UnknownEventType { event_type: event_type.to_owned() });
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
