//! One incident's rows turned into its events through the incident aggregate: the first row
//! logs it, and each later row adds the events for what changed since the row before it.
//!
//! Pure: the facts about services, customers and assignees are looked up by the caller.

use ledgerdesk_domain::incident::{
    IncidentCommand, IncidentError, IncidentEvent, IncidentState, IncidentStatus, LogIncident,
    LoggedBy,
};
use ledgerdesk_domain::value::IncidentType;
use ledgerdesk_domain::{Actor, Channel, IncidentId, IncidentReference};

use crate::command::import::directory::RowFacts;
use crate::command::import::ledger::{Stamp, Stamped};
use crate::command::import::mapping::StatusMove;
use crate::command::import::rows::{BadRow, SourceRow};

/// The incident settings that do not vary by row.
#[derive(Clone, Debug)]
pub struct NewIncident {
    /// Its id.
    pub incident_id: IncidentId,
    /// Its reserved reference.
    pub reference: IncidentReference,
    /// Its internal type.
    pub incident_type: IncidentType,
    /// Whether the portal shows it.
    pub show_in_portal: bool,
}

/// An incident's events, and how many source changes the desk could not take.
#[derive(Debug)]
pub struct History {
    /// The events, oldest first.
    pub events: Vec<Stamped<IncidentEvent>>,
    /// Changes made in the source while the incident was closed, which the incident aggregate
    /// refuses (a closed incident takes no changes until reopened) and the import leaves out.
    pub n_left_out: usize,
}

/// Decides the events of one incident from its rows (at least one) and their facts.
///
/// # Errors
/// The row whose change a rule refuses, with the rule.
pub fn history(new: &NewIncident, rows: &[(SourceRow, RowFacts)]) -> Result<History, BadRow> {
    let mut history = History {
        events: Vec::new(),
        n_left_out: 0,
    };
    let mut state = IncidentState::default();
    let mut previous: Option<&(SourceRow, RowFacts)> = None;
    for current in rows {
        let (row, facts) = current;
        let stamp = Stamp {
            at: row.at,
            actor: Actor::Import(row.actor.clone()),
        };
        let status = state
            .incident()
            .map_or(IncidentStatus::Open, |incident| incident.status);
        let status_commands = status_commands(status, row.status);
        let changes = match previous {
            None => {
                let logged = Stamp {
                    at: row.opened_at.unwrap_or(row.at),
                    actor: Actor::Import(row.opened_by.clone().unwrap_or(row.actor.clone())),
                };
                let log = IncidentCommand::Log(Box::new(log_command(new, row, facts)));
                decide(&mut state, &mut history, log, &logged, row.line)?;
                Vec::new()
            }
            Some(previous) => change_commands(previous, current),
        };
        // A closed incident reopens before it takes changes; an incident closes after them.
        let (first, then) = if status == IncidentStatus::Closed {
            (status_commands, changes)
        } else {
            (changes, status_commands)
        };
        for cmd in first.into_iter().chain(then) {
            decide(&mut state, &mut history, cmd, &stamp, row.line)?;
        }
        previous = Some(current);
    }
    Ok(history)
}

/// Decides one command and folds its events, leaving out a change to a closed incident.
fn decide(
    state: &mut IncidentState,
    history: &mut History,
    cmd: IncidentCommand,
    stamp: &Stamp,
    line: u64,
) -> Result<(), BadRow> {
    let events = match ledgerdesk_domain::incident::decide(state, cmd) {
        Ok(events) => events,
        Err(IncidentError::IncidentClosed) => {
            history.n_left_out += 1;
            return Ok(());
        }
        Err(err) => {
            return Err(BadRow {
                line,
                reason: format!("the desk refuses the row's change: {err}"),
            });
        }
    };
    for event in events {
        *state = ledgerdesk_domain::incident::evolve(std::mem::take(state), &event);
        history.events.push(Stamped {
            event,
            stamp: stamp.clone(),
        });
    }
    Ok(())
}

fn log_command(new: &NewIncident, row: &SourceRow, facts: &RowFacts) -> LogIncident {
    LogIncident {
        incident_id: new.incident_id,
        reference: new.reference,
        title: row.title.clone(),
        description: row.description.clone(),
        service: facts.service,
        assignee: facts.assignee,
        channel: Channel::Import,
        logged_by: LoggedBy::Staff {
            incident_type: new.incident_type.clone(),
            customer: facts.customer,
            show_in_portal: new.show_in_portal,
        },
    }
}

/// The commands for what differs between two consecutive rows, status aside.
fn change_commands(
    (before, _): &(SourceRow, RowFacts),
    (row, facts): &(SourceRow, RowFacts),
) -> Vec<IncidentCommand> {
    let mut commands = Vec::new();
    let title = (row.title != before.title).then(|| row.title.clone());
    let description = (row.description != before.description).then(|| row.description.clone());
    if title.is_some() || description.is_some() {
        commands.push(IncidentCommand::ChangeDetails { title, description });
    }
    if row.service != before.service {
        commands.push(IncidentCommand::ChangeService {
            service: facts.service,
        });
    }
    if row.customer != before.customer {
        commands.push(IncidentCommand::ChangeCustomer {
            customer: facts.customer,
        });
    }
    if row.assignee != before.assignee {
        commands.push(IncidentCommand::Assign {
            assignee: facts.assignee,
        });
    }
    commands
}

/// The status changes that take an incident from `from` to what the row says: through `open`
/// when it leaves `closed`, which only reopens.
fn status_commands(from: IncidentStatus, to: StatusMove) -> Vec<IncidentCommand> {
    let StatusMove::To(to) = to else {
        return Vec::new();
    };
    let path = match (from, to) {
        _ if from == to => vec![],
        (IncidentStatus::Closed, IncidentStatus::Open) => vec![IncidentStatus::Open],
        (IncidentStatus::Closed, to) => vec![IncidentStatus::Open, to],
        (_, to) => vec![to],
    };
    path.into_iter()
        .map(|status| IncidentCommand::ChangeStatus { status })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use ledgerdesk_domain::service::ServiceFacts;
    use ledgerdesk_domain::value::{Description, IncidentTitle};
    use ledgerdesk_domain::{ServiceId, SourceActor};

    use super::*;

    fn row(line: u64, status: StatusMove, service: &str) -> (SourceRow, RowFacts) {
        let row = SourceRow {
            line,
            at: Utc.with_ymd_and_hms(2016, 3, 1, 0, 0, 0).unwrap()
                + chrono::Duration::hours(i64::try_from(line).unwrap()),
            opened_at: None,
            actor: SourceActor::parse(&format!("Updated by {line}")).unwrap(),
            opened_by: None,
            customer: None,
            company: None,
            service: service.to_owned(),
            assignee: None,
            status,
            title: IncidentTitle::parse("Printer").unwrap(),
            description: Description::parse("").unwrap(),
        };
        let service_id =
            ServiceId::from_uuid(uuid::Uuid::from_u128(if service == "A" { 1 } else { 2 }));
        let facts = RowFacts {
            service: ServiceFacts {
                service_id,
                retired: false,
            },
            customer: None,
            assignee: None,
        };
        (row, facts)
    }

    fn types_and_lines(history: &History) -> Vec<(String, String)> {
        history
            .events
            .iter()
            .map(|stamped| {
                let data = stamped.event.to_data();
                let what = data
                    .get("status")
                    .map_or(stamped.event.event_type().to_owned(), |status| {
                        format!("status {}", status.as_str().unwrap())
                    });
                (what, stamped.stamp.actor.to_string())
            })
            .collect()
    }

    fn new_incident() -> NewIncident {
        NewIncident {
            incident_id: IncidentId::from_uuid(uuid::Uuid::from_u128(9)),
            reference: IncidentReference::from_number(1).unwrap(),
            incident_type: IncidentType::parse("incident").unwrap(),
            show_in_portal: true,
        }
    }

    #[test]
    fn a_closed_incident_that_becomes_active_reopens_through_open() {
        use IncidentStatus::{Closed, InProgress};
        let rows = [
            row(2, StatusMove::To(IncidentStatus::Open), "A"),
            row(3, StatusMove::To(Closed), "A"),
            row(4, StatusMove::To(InProgress), "A"),
            row(5, StatusMove::Keep, "A"),
        ];

        let history = history(&new_incident(), &rows).unwrap();

        let expected = [
            ("incident.logged", "import:Updated by 2"),
            ("status closed", "import:Updated by 3"),
            ("status open", "import:Updated by 4"),
            ("status in_progress", "import:Updated by 4"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(types_and_lines(&history), expected);
        assert_eq!(history.n_left_out, 0);
    }

    #[test]
    fn a_change_made_while_the_incident_stays_closed_is_left_out_and_counted() {
        let rows = [
            row(2, StatusMove::To(IncidentStatus::Open), "A"),
            row(3, StatusMove::To(IncidentStatus::Closed), "A"),
            row(4, StatusMove::To(IncidentStatus::Closed), "B"),
        ];

        let history = history(&new_incident(), &rows).unwrap();

        assert_eq!(history.events.len(), 2, "logged, closed");
        assert_eq!(history.n_left_out, 1, "the service change");
    }
}
