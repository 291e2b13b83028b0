//! Validated values: every piece of text that enters the domain is wrapped in a newtype that
//! can only be built through `parse`, which also runs when an event is deserialised.

use crate::error::InvalidValue;

/// Defines a validated string newtype whose `validate` function returns the normalised text.
///
/// The type serialises as a plain string and re-validates on deserialisation. `Debug` and
/// `Display` show the text; secrets are written by hand instead (see [`secret`]).
macro_rules! string_value {
    ($(#[$meta:meta])* $name:ident, $validate:path) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and normalises `input`; the type's documentation states the rule.
            ///
            /// # Errors
            ///
            /// Returns [`InvalidValue`](crate::error::InvalidValue) when `input` breaks the
            /// rule.
            pub fn parse(input: &str) -> Result<Self, crate::error::InvalidValue> {
                $validate(input).map(Self)
            }

            /// The validated text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::InvalidValue;

            fn from_str(input: &str) -> Result<Self, Self::Err> {
                Self::parse(input)
            }
        }

        impl TryFrom<String> for $name {
            type Error = crate::error::InvalidValue;

            fn try_from(input: String) -> Result<Self, Self::Error> {
                Self::parse(&input)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

pub mod appearance;
pub mod email;
pub mod machine_name;
pub mod name;
pub mod secret;
pub mod text;

pub use appearance::{Colour, LogoUrl};
pub use email::Email;
pub use machine_name::{IncidentType, PortalTypeName};
pub use name::Name;
pub use secret::{PasswordHash, TokenHash};
pub use text::{CommentBody, Description, IncidentTitle};

/// Trims `input` and checks it holds 1 to `max_chars` characters and no control characters.
fn single_line(input: &str, what: &'static str, max_chars: usize) -> Result<String, InvalidValue> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(InvalidValue::new(what, "must not be empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(InvalidValue::new(what, "too long"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(InvalidValue::new(what, "must not hold control characters"));
    }
    Ok(trimmed.to_owned())
}
