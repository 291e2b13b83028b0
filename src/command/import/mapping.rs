//! The import mapping (`--mapping FILE.toml`, documented in `docs/IMPORT.md`): which columns of
//! a CSV export give the incident, the row's time and actor, the customer, company, service,
//! assignee and status, and how the source's statuses map to ours.
//!
//! [`Mapping::compile`] checks the mapping against the file's header once, so that reading a
//! row only indexes cells.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::FixedOffset;
use ledgerdesk_domain::incident::IncidentStatus;
use ledgerdesk_domain::value::IncidentType;
use serde::Deserialize;

/// A mapping as written in its TOML file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Names the source; with the source's keys it determines every id the import makes, so
    /// the same source imported twice makes the same ids.
    pub source: String,
    /// A cell holding exactly this text is empty (e.g. `?`); empty cells always are.
    #[serde(default)]
    pub missing: Option<String>,
    /// The `chrono` format of the time columns, e.g. `%d/%m/%Y %H:%M`.
    pub time_format: String,
    /// The source's time zone: `UTC` or a fixed offset such as `+01:00`.
    pub time_zone: String,
    /// Which column holds what.
    pub columns: Columns,
    /// How an imported incident reads.
    pub incident: IncidentSettings,
    /// Names and addresses of the people and services the import creates.
    pub directory: DirectorySettings,
    /// Source status -> `open`, `in_progress`, `resolved`, `closed`, or `keep` (the row
    /// does not change the status).
    pub statuses: BTreeMap<String, String>,
}

/// Column names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// The incident's key in the source; every row of an incident holds the same one.
    pub incident: String,
    /// When the row's change happened.
    pub time: String,
    /// Who made the row's change.
    pub actor: String,
    /// When the incident was logged (optional; else the first row's time).
    #[serde(default)]
    pub opened_at: Option<String>,
    /// Who logged the incident (optional; else the first row's actor).
    #[serde(default)]
    pub opened_by: Option<String>,
    /// The customer (optional cell: an incident may have none).
    pub customer: String,
    /// The customer's company (optional cell: a customer may have none).
    pub company: String,
    /// The service (a missing cell means `directory.missing_service`).
    pub service: String,
    /// The staff user working the incident (a missing cell means unassigned).
    pub assignee: String,
    /// The source's status.
    pub status: String,
}

/// How an imported incident reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSettings {
    /// The title, with `{column}` replaced by the row's cell; re-read on every row.
    pub title: String,
    /// The description, like the title.
    #[serde(default)]
    pub description: String,
    /// The internal incident type, e.g. `incident`.
    #[serde(rename = "type")]
    pub incident_type: String,
    /// Whether imported incidents are shown in the portal to the customers allowed to see them.
    pub show_in_portal: bool,
}

/// Names and addresses of what the import creates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySettings {
    /// Imported customers and staff get the address `<key as a slug>@<email_domain>`.
    pub email_domain: String,
    /// The service of incidents whose service cell is missing.
    pub missing_service: String,
}

/// What a source status means here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusMove {
    /// The incident moves to this status.
    To(IncidentStatus),
    /// The row leaves the status as it was.
    Keep,
}

/// A mapping checked against a file's header: column indices and parsed settings.
#[derive(Debug)]
pub struct Compiled {
    /// The source's name.
    pub source: String,
    /// The text of an empty cell.
    pub missing: Option<String>,
    /// The time format.
    pub time_format: String,
    /// The time zone.
    pub offset: FixedOffset,
    /// Column indices.
    pub incident: usize,
    /// See [`Columns::time`].
    pub time: usize,
    /// See [`Columns::actor`].
    pub actor: usize,
    /// See [`Columns::opened_at`].
    pub opened_at: Option<usize>,
    /// See [`Columns::opened_by`].
    pub opened_by: Option<usize>,
    /// See [`Columns::customer`].
    pub customer: usize,
    /// See [`Columns::company`].
    pub company: usize,
    /// See [`Columns::service`].
    pub service: usize,
    /// See [`Columns::assignee`].
    pub assignee: usize,
    /// See [`Columns::status`].
    pub status: usize,
    /// The title template.
    pub title: Template,
    /// The description template.
    pub description: Template,
    /// The incident type.
    pub incident_type: IncidentType,
    /// See [`IncidentSettings::show_in_portal`].
    pub show_in_portal: bool,
    /// See [`DirectorySettings::email_domain`].
    pub email_domain: String,
    /// See [`DirectorySettings::missing_service`].
    pub missing_service: String,
    /// Source status -> our status.
    pub statuses: BTreeMap<String, StatusMove>,
}

/// A text with `{column}` placeholders, resolved to column indices.
#[derive(Debug)]
pub struct Template(Vec<Piece>);

#[derive(Debug)]
enum Piece {
    Text(String),
    Cell(usize),
}

impl Mapping {
    /// Reads and parses a mapping file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid mapping.
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the mapping {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("the mapping {} is not valid", path.display()))
    }

    /// Checks the mapping against the file's header.
    ///
    /// # Errors
    /// When a named column is not in the header, or a setting is not valid.
    pub fn compile(self, header: &[&str]) -> anyhow::Result<Compiled> {
        let column = |name: &str| {
            header
                .iter()
                .position(|cell| *cell == name)
                .with_context(|| format!("the mapping names column {name:?}, which the file lacks"))
        };
        let optional = |name: &Option<String>| name.as_deref().map(column).transpose();
        let columns = &self.columns;
        let statuses = self
            .statuses
            .iter()
            .map(|(source, ours)| Ok((source.clone(), status_move(ours)?)))
            .collect::<anyhow::Result<_>>()?;

        Ok(Compiled {
            offset: offset(&self.time_zone)?,
            incident: column(&columns.incident)?,
            time: column(&columns.time)?,
            actor: column(&columns.actor)?,
            opened_at: optional(&columns.opened_at)?,
            opened_by: optional(&columns.opened_by)?,
            customer: column(&columns.customer)?,
            company: column(&columns.company)?,
            service: column(&columns.service)?,
            assignee: column(&columns.assignee)?,
            status: column(&columns.status)?,
            title: Template::compile(&self.incident.title, header)?,
            description: Template::compile(&self.incident.description, header)?,
            incident_type: IncidentType::parse(&self.incident.incident_type)
                .context("the mapping's incident type is not valid")?,
            show_in_portal: self.incident.show_in_portal,
            email_domain: self.directory.email_domain,
            missing_service: self.directory.missing_service,
            statuses,
            source: self.source,
            missing: self.missing,
            time_format: self.time_format,
        })
    }
}

impl Template {
    /// Resolves the placeholders of `text` against the header.
    ///
    /// # Errors
    /// When a placeholder names no column or a brace is not closed.
    pub fn compile(text: &str, header: &[&str]) -> anyhow::Result<Self> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            pieces.push(Piece::Text(rest[..open].to_owned()));
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .with_context(|| format!("an unclosed {{ in the template {text:?}"))?;
            let name = &after[..close];
            let index = header
                .iter()
                .position(|cell| *cell == name)
                .with_context(|| {
                    format!("the template {text:?} names column {name:?}, which the file lacks")
                })?;
            pieces.push(Piece::Cell(index));
            rest = &after[close + 1..];
        }
        pieces.push(Piece::Text(rest.to_owned()));
        Ok(Self(pieces))
    }

    /// The text for one row.
    #[must_use]
    pub fn render(&self, cells: &csv::StringRecord) -> String {
        let mut text = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(part) => text.push_str(part),
                Piece::Cell(index) => text.push_str(cells.get(*index).unwrap_or_default()),
            }
        }
        text
    }
}

fn status_move(ours: &str) -> anyhow::Result<StatusMove> {
    if ours == "keep" {
        return Ok(StatusMove::Keep);
    }
    IncidentStatus::parse(ours)
        .map(StatusMove::To)
        .with_context(|| format!("the mapping maps a status to {ours:?}; expected open, in_progress, resolved, closed or keep"))
}

fn offset(zone: &str) -> anyhow::Result<FixedOffset> {
    if zone == "UTC" {
        return FixedOffset::east_opt(0).context("zero is a valid offset");
    }
    zone.parse::<FixedOffset>()
        .with_context(|| format!("the time zone {zone:?} is neither UTC nor an offset like +01:00"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: [&str; 4] = ["number", "state", "when", "who"];

    fn mapping(statuses: &str) -> anyhow::Result<Compiled> {
        let text = format!(
            r#"
            source = "test"
            missing = "?"
            time_format = "%d/%m/%Y %H:%M"
            time_zone = "+01:00"
            [columns]
            incident = "number"
            time = "when"
            actor = "who"
            customer = "who"
            company = "who"
            service = "state"
            assignee = "who"
            status = "state"
            [incident]
            title = "{{number}} is {{state}}"
            type = "incident"
            show_in_portal = true
            [directory]
            email_domain = "test.invalid"
            missing_service = "None"
            [statuses]
            {statuses}
            "#
        );
        toml::from_str::<Mapping>(&text)?.compile(&HEADER)
    }

    #[test]
    fn a_mapping_resolves_columns_templates_statuses_and_the_time_zone() {
        let compiled = mapping(r#""New" = "open""#).unwrap();
        let record = csv::StringRecord::from(vec!["INC1", "New", "9/3/2016 18:35", "Ann"]);

        assert_eq!(
            (compiled.incident, compiled.time, compiled.status),
            (0, 2, 1)
        );
        assert_eq!(compiled.title.render(&record), "INC1 is New");
        assert_eq!(compiled.offset.local_minus_utc(), 3600);
        assert_eq!(
            compiled.statuses.get("New"),
            Some(&StatusMove::To(IncidentStatus::Open))
        );
    }

    #[test]
    fn a_mapping_that_does_not_fit_the_file_is_refused_with_the_reason() {
        let cases = [
            (
                r#""New" = "done""#,
                "maps a status to \"done\"",
                "unknown status",
            ),
            (r#""New" = "keep""#, "", "keep is accepted"),
        ];

        for (statuses, message, case) in cases {
            let result = mapping(statuses);
            match result {
                Ok(_) => assert!(message.is_empty(), "{case}"),
                Err(err) => assert!(format!("{err:#}").contains(message), "{case}: {err:#}"),
            }
        }
        let missing_column = Template::compile("{nope}", &HEADER).unwrap_err();
        assert!(format!("{missing_column:#}").contains("\"nope\""));
    }
}
