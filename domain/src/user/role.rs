//! `Role`: what a staff user may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// A staff user's role, written `admin` or `agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages services, companies, customers, staff and settings, and reads the audit.
    Admin,
    /// Logs and works incidents.
    Agent,
}

impl Role {
    /// The written form.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }

    /// Parses the written form.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] for anything but `admin` or `agent`.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        match input {
            "admin" => Ok(Self::Admin),
            "agent" => Ok(Self::Agent),
            _ => Err(InvalidValue::new("role", "expected admin or agent")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_admin_or_agent() {
        let cases = [
            ("admin", Some(Role::Admin), "admin"),
            ("agent", Some(Role::Agent), "agent"),
            ("Admin", None, "uppercase"),
            ("owner", None, "unknown role"),
            ("", None, "empty"),
        ];

        for (input, expected, message) in cases {
            assert_eq!(Role::parse(input).ok(), expected, "{message}");
        }
        assert_eq!(
            serde_json::to_value(Role::Agent).unwrap(),
            serde_json::json!("agent")
        );
    }
}
