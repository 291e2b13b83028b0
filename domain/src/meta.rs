//! Who caused an event and through which channel: the parts of event metadata the domain
//! itself reasons about (a comment's author, an incident's channel).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;
use crate::id::{CustomerId, UserId};

/// Who caused an event; written as `staff:<uuid>`, `customer:<uuid>`, `system`, `email` or
/// `import:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    /// A staff user (agent or admin).
    Staff(UserId),
    /// A customer, through the portal.
    Customer(CustomerId),
    /// Ledgerdesk itself, e.g. a scheduled job.
    System,
    /// The email channel, before a sender is matched to a customer.
    Email,
    /// An import from another system, named after the source's own actor.
    Import(SourceActor),
}

/// The name of an actor in an imported system: 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceActor(String);

/// The channel through which a command arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// The staff API (`staff-api`).
    StaffApi,
    /// The customer portal, pages or API (`portal`).
    Portal,
    /// Inbound email (`email`).
    Email,
    /// An import from another system (`import`).
    Import,
    /// The command line (`cli`).
    Cli,
    /// Ledgerdesk itself (`system`).
    System,
}

impl Actor {
    /// Parses the written form, e.g. `staff:<uuid>` or `import:legacy-bot`.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] for an unknown kind, a malformed id or an invalid import name.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        match input.split_once(':') {
            None if input == "system" => Ok(Self::System),
            None if input == "email" => Ok(Self::Email),
            Some(("staff", id)) => Ok(Self::Staff(UserId::parse(id)?)),
            Some(("customer", id)) => Ok(Self::Customer(CustomerId::parse(id)?)),
            Some(("import", name)) => Ok(Self::Import(SourceActor::parse(name)?)),
            _ => Err(InvalidValue::new(
                "actor",
                "expected staff:<id>, customer:<id>, system, email or import:<name>",
            )),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Staff(id) => write!(f, "staff:{id}"),
            Self::Customer(id) => write!(f, "customer:{id}"),
            Self::System => f.write_str("system"),
            Self::Email => f.write_str("email"),
            Self::Import(name) => write!(f, "import:{name}"),
        }
    }
}

impl FromStr for Actor {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<String> for Actor {
    type Error = InvalidValue;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<Actor> for String {
    fn from(actor: Actor) -> Self {
        actor.to_string()
    }
}

impl SourceActor {
    /// Validates an imported actor's name.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] when `input` is empty, longer than 200 characters, or holds a
    /// control character.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        if input.is_empty() {
            return Err(InvalidValue::new("import actor", "must not be empty"));
        }
        if input.chars().count() > 200 {
            return Err(InvalidValue::new(
                "import actor",
                "longer than 200 characters",
            ));
        }
        if input.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                "import actor",
                "must not hold control characters",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SourceActor {
    type Error = InvalidValue;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<SourceActor> for String {
    fn from(actor: SourceActor) -> Self {
        actor.0
    }
}

impl Channel {
    /// Every channel, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::StaffApi,
        Self::Portal,
        Self::Email,
        Self::Import,
        Self::Cli,
        Self::System,
    ];

    /// The written form, e.g. `staff-api`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StaffApi => "staff-api",
            Self::Portal => "portal",
            Self::Email => "email",
            Self::Import => "import",
            Self::Cli => "cli",
            Self::System => "system",
        }
    }

    /// Parses the written form.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] for anything but one of the six channel names.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.as_str() == input)
            .ok_or(InvalidValue::new(
                "channel",
                "expected staff-api, portal, email, import, cli or system",
            ))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn actors_round_trip_through_their_written_form() {
        let id = Uuid::from_u128(9);
        let cases = [
            (
                Actor::Staff(UserId::from_uuid(id)),
                "staff:00000000-0000-0000-0000-000000000009",
            ),
            (
                Actor::Customer(CustomerId::from_uuid(id)),
                "customer:00000000-0000-0000-0000-000000000009",
            ),
            (Actor::System, "system"),
            (Actor::Email, "email"),
            (
                Actor::Import(SourceActor::parse("legacy:bot").unwrap()),
                "import:legacy:bot",
            ),
        ];

        for (actor, text) in cases {
            assert_eq!(actor.to_string(), text);
            assert_eq!(Actor::parse(text), Ok(actor.clone()), "{text}");
            assert_eq!(
                serde_json::to_value(&actor).unwrap(),
                serde_json::json!(text)
            );
        }
    }

    #[test]
    fn malformed_actors_are_rejected() {
        let cases = [
            ("", "empty"),
            ("staff", "staff without an id"),
            ("staff:nope", "staff with a malformed id"),
            ("robot", "unknown kind"),
            ("system:1", "system takes no argument"),
            ("import:", "empty import name"),
            ("import:a\u{7}b", "control character in import name"),
        ];

        for (input, message) in cases {
            assert!(Actor::parse(input).is_err(), "{message}: {input:?}");
        }
    }

    #[test]
    fn source_actors_are_limited_to_200_characters() {
        let longest = "é".repeat(200);
        let too_long = "é".repeat(201);

        assert!(
            SourceActor::parse(&longest).is_ok(),
            "200 characters are allowed"
        );
        assert!(
            SourceActor::parse(&too_long).is_err(),
            "201 characters are too many"
        );
    }

    #[test]
    fn channels_read_and_write_the_same_names_as_serde() {
        for channel in Channel::ALL {
            let json = serde_json::to_value(channel).unwrap();

            assert_eq!(json, serde_json::json!(channel.as_str()));
            assert_eq!(Channel::parse(channel.as_str()), Ok(channel));
        }
        assert!(
            Channel::parse("fax").is_err(),
            "unknown channels are rejected"
        );
    }
}
