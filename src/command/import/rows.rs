//! Reading the source: CSV (optionally gzip-compressed) records turned into typed rows, and
//! consecutive rows of one incident gathered into a group.
//!
//! Memory stays bounded by the largest incident: one group is held at a time.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use ledgerdesk_domain::SourceActor;
use ledgerdesk_domain::value::{Description, IncidentTitle};

use crate::command::import::mapping::{Compiled, StatusMove};

/// One row of the source, checked.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// The line it starts on (the header is line 1).
    pub line: u64,
    /// When its change happened.
    pub at: DateTime<Utc>,
    /// When the incident was logged, if the mapping names that column.
    pub opened_at: Option<DateTime<Utc>>,
    /// Who made the change.
    pub actor: SourceActor,
    /// Who logged the incident, if the mapping names that column.
    pub opened_by: Option<SourceActor>,
    /// The customer's key, if any.
    pub customer: Option<String>,
    /// The customer's company's key, if any.
    pub company: Option<String>,
    /// The service's name.
    pub service: String,
    /// The assignee's key, if any.
    pub assignee: Option<String>,
    /// What the row does to the status.
    pub status: StatusMove,
    /// The incident's title as of this row.
    pub title: IncidentTitle,
    /// The incident's description as of this row.
    pub description: Description,
}

/// A row that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// Its line.
    pub line: u64,
    /// Why, in plain words.
    pub reason: String,
}

/// Consecutive rows with the same incident key.
#[derive(Debug)]
pub struct Group {
    /// The incident's key in the source.
    pub key: String,
    /// Its rows in file order.
    pub rows: Vec<SourceRow>,
    /// The first bad row among them, if any.
    pub bad: Option<BadRow>,
    /// How many rows the group spans, good and bad.
    pub n_rows: u64,
}

/// The source file, read record by record.
pub struct Source {
    records: csv::StringRecordsIntoIter<Box<dyn Read>>,
    /// The file's header.
    pub header: Vec<String>,
    /// Bytes of the file (compressed, for `.gz`) read so far, for the progress bar.
    pub read_bytes: Arc<AtomicU64>,
    /// The file's size in bytes.
    pub size: u64,
    pending: Option<(String, Result<SourceRow, BadRow>)>,
}

impl Source {
    /// Opens a `.csv` or `.csv.gz` file and reads its header.
    ///
    /// # Errors
    /// When the file cannot be opened or its header read.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let file =
            File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        let size = file.metadata().map(|meta| meta.len()).unwrap_or(0);
        let read_bytes = Arc::new(AtomicU64::new(0));
        let counted = Counted {
            inner: BufReader::new(file),
            read_bytes: Arc::clone(&read_bytes),
        };
        let gzipped = path.extension().is_some_and(|ext| ext == "gz");
        let input: Box<dyn Read> = if gzipped {
            Box::new(flate2::read::MultiGzDecoder::new(counted))
        } else {
            Box::new(counted)
        };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header = reader
            .headers()
            .with_context(|| format!("failed to read the header of {}", path.display()))?
            .iter()
            .map(str::to_owned)
            .collect();
        Ok(Self {
            records: reader.into_records(),
            header,
            read_bytes,
            size,
            pending: None,
        })
    }

    /// The next incident's rows, or `None` at the end of the file.
    ///
    /// # Errors
    /// When the file cannot be read (not for a bad row, which the group carries).
    pub fn next_group(&mut self, mapping: &Compiled) -> anyhow::Result<Option<Group>> {
        let first = match self.pending.take() {
            Some(pending) => pending,
            None => match self.next_row(mapping)? {
                Some(row) => row,
                None => return Ok(None),
            },
        };
        let mut group = Group {
            key: first.0,
            rows: Vec::new(),
            bad: None,
            n_rows: 0,
        };
        group.push(first.1);
        while let Some((key, row)) = self.next_row(mapping)? {
            if key != group.key {
                self.pending = Some((key, row));
                break;
            }
            group.push(row);
        }
        Ok(Some(group))
    }

    /// The next record as the incident key and the checked row.
    fn next_row(
        &mut self,
        mapping: &Compiled,
    ) -> anyhow::Result<Option<(String, Result<SourceRow, BadRow>)>> {
        let Some(record) = self.records.next() else {
            return Ok(None);
        };
        let record = record.context("failed to read the file")?;
        let line = record.position().map_or(0, csv::Position::line);
        let key = record.get(mapping.incident).unwrap_or_default().to_owned();
        let row = if record.len() == self.header.len() {
            parse_row(mapping, &record, line)
        } else {
            Err(BadRow {
                line,
                reason: format!(
                    "the row has {} fields, the header {}",
                    record.len(),
                    self.header.len()
                ),
            })
        };
        Ok(Some((key, row)))
    }
}

impl Group {
    fn push(&mut self, row: Result<SourceRow, BadRow>) {
        self.n_rows += 1;
        match row {
            Ok(row) => self.rows.push(row),
            Err(bad) => {
                if self.bad.is_none() {
                    self.bad = Some(bad);
                }
            }
        }
    }
}

/// Checks one record against the mapping.
///
/// # Errors
/// The first cell that cannot be read, as a [`BadRow`].
pub fn parse_row(
    mapping: &Compiled,
    record: &csv::StringRecord,
    line: u64,
) -> Result<SourceRow, BadRow> {
    let bad = |reason: String| BadRow { line, reason };
    let cell = |index: usize| -> Option<&str> {
        let value = record.get(index).unwrap_or_default().trim();
        let missing = value.is_empty() || mapping.missing.as_deref() == Some(value);
        (!missing).then_some(value)
    };
    let required =
        |index: usize, what: &str| cell(index).ok_or_else(|| bad(format!("the {what} is missing")));
    let time = |index: usize, what: &str| -> Result<DateTime<Utc>, BadRow> {
        let text = required(index, what)?;
        let naive = NaiveDateTime::parse_from_str(text, &mapping.time_format).map_err(|_| {
            bad(format!(
                "the {what} {text:?} does not match the format {:?}",
                mapping.time_format
            ))
        })?;
        let local = mapping.offset.from_local_datetime(&naive).single();
        local
            .map(|local| local.with_timezone(&Utc))
            .ok_or_else(|| bad(format!("the {what} {text:?} is not a valid time")))
    };
    let actor = |index: usize, what: &str| {
        let text = required(index, what)?;
        SourceActor::parse(text).map_err(|err| bad(format!("the {what} is not valid: {err}")))
    };

    if cell(mapping.incident).is_none() {
        return Err(bad("the incident key is missing".to_owned()));
    }
    let status_text = required(mapping.status, "status")?;
    let status = *mapping
        .statuses
        .get(status_text)
        .ok_or_else(|| bad(format!("the status {status_text:?} is not in the mapping")))?;
    let title = mapping.title.render(record);
    let description = mapping.description.render(record);
    Ok(SourceRow {
        line,
        at: time(mapping.time, "time")?,
        // An empty opening time or opener falls back to the row's time or actor.
        opened_at: mapping
            .opened_at
            .filter(|index| cell(*index).is_some())
            .map(|index| time(index, "opening time"))
            .transpose()?,
        actor: actor(mapping.actor, "actor")?,
        opened_by: mapping
            .opened_by
            .filter(|index| cell(*index).is_some())
            .map(|index| actor(index, "opener"))
            .transpose()?,
        customer: cell(mapping.customer).map(str::to_owned),
        company: cell(mapping.company).map(str::to_owned),
        service: cell(mapping.service)
            .map_or_else(|| mapping.missing_service.clone(), str::to_owned),
        assignee: cell(mapping.assignee).map(str::to_owned),
        status,
        title: IncidentTitle::parse(&title)
            .map_err(|err| bad(format!("the title {title:?} is not valid: {err}")))?,
        description: Description::parse(&description)
            .map_err(|err| bad(format!("the description is not valid: {err}")))?,
    })
}

/// Counts the bytes read from the file for the progress bar.
struct Counted<R> {
    inner: R,
    read_bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n_bytes = self.inner.read(buf)?;
        self.read_bytes.fetch_add(n_bytes as u64, Ordering::Relaxed);
        Ok(n_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::import::mapping::Mapping;

    const HEADER: [&str; 5] = ["number", "state", "when", "who", "caller"];

    fn compiled() -> Compiled {
        let text = r#"
            source = "test"
            missing = "?"
            time_format = "%d/%m/%Y %H:%M"
            time_zone = "UTC"
            [columns]
            incident = "number"
            time = "when"
            actor = "who"
            customer = "caller"
            company = "caller"
            service = "state"
            assignee = "caller"
            status = "state"
            [incident]
            title = "{number}"
            type = "incident"
            show_in_portal = true
            [directory]
            email_domain = "test.invalid"
            missing_service = "None"
            [statuses]
            "New" = "open"
            "-100" = "keep"
        "#;
        toml::from_str::<Mapping>(text)
            .unwrap()
            .compile(&HEADER)
            .unwrap()
    }

    #[test]
    fn rows_read_day_first_times_without_leading_zeros_and_missing_cells() {
        let record = csv::StringRecord::from(vec!["INC1", "New", "9/3/2016 08:05", "Bob", "?"]);

        let row = parse_row(&compiled(), &record, 7).unwrap();

        assert_eq!(row.at.to_rfc3339(), "2016-03-09T08:05:00+00:00");
        assert_eq!(row.actor.as_str(), "Bob");
        assert_eq!(row.customer, None, "? is a missing cell");
        assert_eq!(
            row.status,
            StatusMove::To(ledgerdesk_domain::incident::IncidentStatus::Open)
        );
    }

    #[test]
    fn a_bad_row_names_its_line_and_what_is_wrong() {
        let cases = [
            (
                ["INC1", "Odd", "9/3/2016 08:05", "Bob", "x"],
                "the status \"Odd\" is not in the mapping",
            ),
            (
                ["INC1", "New", "2016-03-09", "Bob", "x"],
                "does not match the format",
            ),
            (
                ["INC1", "New", "9/3/2016 08:05", "?", "x"],
                "the actor is missing",
            ),
            (
                ["?", "New", "9/3/2016 08:05", "Bob", "x"],
                "the incident key is missing",
            ),
        ];

        for (cells, reason) in cases {
            let record = csv::StringRecord::from(cells.to_vec());
            let bad = parse_row(&compiled(), &record, 12).unwrap_err();
            assert_eq!(bad.line, 12);
            assert!(bad.reason.contains(reason), "{reason}: {}", bad.reason);
        }
    }
}
