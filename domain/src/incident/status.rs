//! `IncidentStatus` and the transitions between statuses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// Where an incident stands: `open`, `in_progress`, `resolved` or `closed`.
///
/// Any status may move to any other, except that a closed incident only reopens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Logged, not yet worked on.
    Open,
    /// Someone is working on it.
    InProgress,
    /// Staff consider it solved; the customer may still reopen it.
    Resolved,
    /// Finished; it takes no changes until reopened.
    Closed,
}

impl IncidentStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 4] = [Self::Open, Self::InProgress, Self::Resolved, Self::Closed];

    /// The written form.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Parses the written form.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] for anything but the four status names.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == input)
            .ok_or(InvalidValue::new(
                "status",
                "expected open, in_progress, resolved or closed",
            ))
    }

    /// Whether an incident in this status may move to `next` (a different status).
    #[must_use]
    pub const fn may_become(self, next: Self) -> bool {
        match self {
            Self::Closed => matches!(next, Self::Open),
            Self::Open | Self::InProgress | Self::Resolved => true,
        }
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncidentStatus {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_and_write_their_snake_case_names() {
        let cases = [
            ("open", Some(IncidentStatus::Open), "open"),
            (
                "in_progress",
                Some(IncidentStatus::InProgress),
                "in progress",
            ),
            ("resolved", Some(IncidentStatus::Resolved), "resolved"),
            ("closed", Some(IncidentStatus::Closed), "closed"),
            ("in-progress", None, "hyphen"),
            ("Open", None, "uppercase"),
            ("done", None, "unknown status"),
        ];

        for (input, expected, message) in cases {
            assert_eq!(IncidentStatus::parse(input).ok(), expected, "{message}");
        }
        for status in IncidentStatus::ALL {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, serde_json::json!(status.as_str()));
        }
    }

    #[test]
    fn a_closed_incident_only_reopens() {
        use IncidentStatus::{Closed, InProgress, Open, Resolved};

        assert!(Closed.may_become(Open));
        assert!(!Closed.may_become(InProgress));
        assert!(!Closed.may_become(Resolved));
        for from in [Open, InProgress, Resolved] {
            for to in IncidentStatus::ALL {
                assert!(from.may_become(to), "{from} may become {to}");
            }
        }
    }
}
