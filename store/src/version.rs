//! Stream versions and what an appender expects the version to be.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The version a caller expects a stream to be at when appending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "version", rename_all = "snake_case")]
pub enum ExpectedVersion {
    /// The stream must not exist yet (it has no events).
    NoStream,
    /// The stream's last event must have exactly this version.
    Exact(u64),
    /// Append whatever the version is.
    Any,
}

impl ExpectedVersion {
    /// Whether a stream currently at `actual` (0 = no events) satisfies the expectation.
    #[must_use]
    pub fn accepts(self, actual: u64) -> bool {
        match self {
            Self::NoStream => actual == 0,
            Self::Exact(expected) => actual == expected,
            Self::Any => true,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStream => f.write_str("no stream"),
            Self::Exact(version) => write!(f, "version {version}"),
            Self::Any => f.write_str("any version"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExpectedVersion;

    #[test]
    fn expectations_accept_exactly_the_versions_they_name() {
        let cases = [
            (
                ExpectedVersion::NoStream,
                0,
                true,
                "no stream accepts an empty stream",
            ),
            (
                ExpectedVersion::NoStream,
                1,
                false,
                "no stream refuses an existing stream",
            ),
            (
                ExpectedVersion::Exact(3),
                3,
                true,
                "exact accepts its version",
            ),
            (
                ExpectedVersion::Exact(3),
                2,
                false,
                "exact refuses an older version",
            ),
            (
                ExpectedVersion::Exact(3),
                4,
                false,
                "exact refuses a newer version",
            ),
            (ExpectedVersion::Any, 0, true, "any accepts an empty stream"),
            (ExpectedVersion::Any, 9, true, "any accepts any version"),
        ];

        for (expected, actual, accepted, message) in cases {
            assert_eq!(expected.accepts(actual), accepted, "{message}");
        }
    }
}
