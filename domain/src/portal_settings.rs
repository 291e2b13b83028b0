//! The portal settings aggregate (the singleton `portal-settings` stream): appearance, the
//! portal types customers choose from, and the default assignee of customer-logged incidents.
//!
//! Unlike the other aggregates it always exists: an empty stream means the defaults, including
//! the default portal types `issue` -> `bug`, `request` -> `service_request`, `question` ->
//! `query` and `suggestion` -> `feedback`.

pub mod command;
pub mod error;
pub mod event;

use serde::{Deserialize, Serialize};

pub use command::PortalSettingsCommand;
pub use error::PortalSettingsError;
pub use event::PortalSettingsEvent;

use crate::aggregate::Aggregate;
use crate::id::UserId;
use crate::value::{Colour, IncidentType, LogoUrl, Name, PortalTypeName};

/// How the portal looks; `None` fields use the built-in look.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appearance {
    /// The portal's name shown in its header.
    pub name: Option<Name>,
    /// The page background colour.
    pub background_colour: Option<Colour>,
    /// The address of the logo.
    pub logo_url: Option<LogoUrl>,
}

/// A kind of incident customers can pick in the portal, and the internal type it maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalType {
    /// Its machine name, e.g. `issue`.
    pub name: PortalTypeName,
    /// What customers read, e.g. `Issue`.
    pub label: Name,
    /// The internal incident type it logs, e.g. `bug`.
    pub incident_type: IncidentType,
    /// Whether customers can pick it.
    pub enabled: bool,
}

/// The current portal settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSettings {
    /// How the portal looks.
    pub appearance: Appearance,
    /// The portal types, in the order they were first mapped (defaults first).
    pub portal_types: Vec<PortalType>,
    /// Who customer-logged incidents go to when nobody else is named.
    pub default_assignee_id: Option<UserId>,
}

/// The state of the portal settings stream; never "not created".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalSettingsState(PortalSettings);

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            appearance: Appearance::default(),
            portal_types: default_portal_types(),
            default_assignee_id: None,
        }
    }
}

impl PortalSettingsState {
    /// The current settings.
    #[must_use]
    pub fn settings(&self) -> &PortalSettings {
        &self.0
    }
}

impl PortalSettings {
    /// The portal type called `name`, enabled or not.
    #[must_use]
    pub fn portal_type(&self, name: &PortalTypeName) -> Option<&PortalType> {
        self.portal_types
            .iter()
            .find(|portal_type| portal_type.name == *name)
    }

    /// The portal types customers can pick, in order.
    pub fn enabled_portal_types(&self) -> impl Iterator<Item = &PortalType> {
        self.portal_types
            .iter()
            .filter(|portal_type| portal_type.enabled)
    }
}

/// Decides which events `cmd` produces for the portal settings in `state`.
///
/// # Errors
///
/// Returns [`PortalSettingsError::AssigneeInactive`] when the default assignee is not an
/// active staff user.
pub fn decide(
    state: &PortalSettingsState,
    cmd: PortalSettingsCommand,
) -> Result<Vec<PortalSettingsEvent>, PortalSettingsError> {
    let settings = &state.0;
    let events = match cmd {
        PortalSettingsCommand::ChangeAppearance(appearance) => {
            if appearance == settings.appearance {
                return Ok(Vec::new());
            }
            vec![PortalSettingsEvent::AppearanceChanged(appearance)]
        }
        PortalSettingsCommand::MapPortalType(portal_type) => {
            if settings.portal_type(&portal_type.name) == Some(&portal_type) {
                return Ok(Vec::new());
            }
            vec![PortalSettingsEvent::PortalTypeMapped(portal_type)]
        }
        PortalSettingsCommand::SetDefaultAssignee { assignee } => {
            let assignee_id = assignee.map(|assignee| assignee.user_id);
            if assignee_id == settings.default_assignee_id {
                return Ok(Vec::new());
            }
            if let Some(assignee) = assignee.filter(|assignee| !assignee.active) {
                return Err(PortalSettingsError::AssigneeInactive {
                    user_id: assignee.user_id,
                });
            }
            vec![PortalSettingsEvent::DefaultAssigneeSet { assignee_id }]
        }
    };

    Ok(events)
}

/// Folds `event` into `state`.
#[must_use]
pub fn evolve(state: PortalSettingsState, event: &PortalSettingsEvent) -> PortalSettingsState {
    let mut settings = state.0;
    match event {
        PortalSettingsEvent::AppearanceChanged(appearance) => {
            settings.appearance = appearance.clone();
        }
        PortalSettingsEvent::PortalTypeMapped(portal_type) => {
            let existing = settings
                .portal_types
                .iter_mut()
                .find(|known| known.name == portal_type.name);
            match existing {
                Some(known) => *known = portal_type.clone(),
                None => settings.portal_types.push(portal_type.clone()),
            }
        }
        PortalSettingsEvent::DefaultAssigneeSet { assignee_id } => {
            settings.default_assignee_id = *assignee_id;
        }
    }
    PortalSettingsState(settings)
}

impl Aggregate for PortalSettingsState {
    type Command = PortalSettingsCommand;
    type Event = PortalSettingsEvent;
    type Error = PortalSettingsError;

    fn decide(
        &self,
        cmd: PortalSettingsCommand,
    ) -> Result<Vec<PortalSettingsEvent>, PortalSettingsError> {
        decide(self, cmd)
    }

    fn evolve(self, event: &PortalSettingsEvent) -> Self {
        evolve(self, event)
    }
}

/// The portal types every installation starts with.
fn default_portal_types() -> Vec<PortalType> {
    [
        ("issue", "Issue", "bug"),
        ("request", "Request", "service_request"),
        ("question", "Question", "query"),
        ("suggestion", "Suggestion", "feedback"),
    ]
    .into_iter()
    .map(|(name, label, incident_type)| PortalType {
        name: PortalTypeName::parse(name).expect("default portal type names are valid"),
        label: Name::parse(label).expect("default portal type labels are valid"),
        incident_type: IncidentType::parse(incident_type)
            .expect("default incident types are valid"),
        enabled: true,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::testing::given;
    use crate::user::UserFacts;

    fn portal_type(name: &str, incident_type: &str, enabled: bool) -> PortalType {
        PortalType {
            name: PortalTypeName::parse(name).unwrap(),
            label: Name::parse(&name.to_uppercase()).unwrap(),
            incident_type: IncidentType::parse(incident_type).unwrap(),
            enabled,
        }
    }

    fn user(active: bool) -> UserFacts {
        UserFacts {
            user_id: UserId::from_uuid(Uuid::from_u128(5)),
            active,
        }
    }

    fn appearance() -> Appearance {
        Appearance {
            name: Some(Name::parse("Support").unwrap()),
            background_colour: Some(Colour::parse("#112233").unwrap()),
            logo_url: Some(LogoUrl::parse("https://example.com/logo.png").unwrap()),
        }
    }

    #[test]
    fn fresh_settings_offer_the_four_default_portal_types() {
        let state = PortalSettingsState::default();

        let mapping: Vec<(&str, &str, bool)> = state
            .settings()
            .portal_types
            .iter()
            .map(|known| {
                (
                    known.name.as_str(),
                    known.incident_type.as_str(),
                    known.enabled,
                )
            })
            .collect();

        let expected = [
            ("issue", "bug", true),
            ("request", "service_request", true),
            ("question", "query", true),
            ("suggestion", "feedback", true),
        ];
        assert_eq!(mapping, expected);
    }

    #[test]
    fn the_appearance_changes_unless_it_is_the_same() {
        given::<PortalSettingsEvent>(&[])
            .when(PortalSettingsCommand::ChangeAppearance(appearance()))
            .then(&[PortalSettingsEvent::AppearanceChanged(appearance())]);
        given(&[PortalSettingsEvent::AppearanceChanged(appearance())])
            .when(PortalSettingsCommand::ChangeAppearance(appearance()))
            .then_nothing();
    }

    #[test]
    fn mapping_a_portal_type_replaces_or_adds_it() {
        let disabled_issue = portal_type("issue", "incident", false);
        let outage = portal_type("outage", "major_incident", true);
        let history = [
            PortalSettingsEvent::PortalTypeMapped(disabled_issue.clone()),
            PortalSettingsEvent::PortalTypeMapped(outage.clone()),
        ];

        let state = PortalSettingsState::replay(&history);

        let settings = state.settings();
        assert_eq!(settings.portal_types.len(), 5);
        assert_eq!(settings.portal_types[0], disabled_issue);
        assert_eq!(settings.portal_types[4], outage);
        assert_eq!(settings.enabled_portal_types().count(), 4);
    }

    #[test]
    fn mapping_a_portal_type_as_it_already_is_changes_nothing() {
        let issue = portal_type("issue", "incident", true);

        given::<PortalSettingsEvent>(&[])
            .when(PortalSettingsCommand::MapPortalType(issue.clone()))
            .then(&[PortalSettingsEvent::PortalTypeMapped(issue.clone())]);
        given(&[PortalSettingsEvent::PortalTypeMapped(issue.clone())])
            .when(PortalSettingsCommand::MapPortalType(issue))
            .then_nothing();
    }

    #[test]
    fn the_default_assignee_must_be_an_active_staff_user() {
        let assignee_id = Some(user(true).user_id);

        given::<PortalSettingsEvent>(&[])
            .when(PortalSettingsCommand::SetDefaultAssignee {
                assignee: Some(user(true)),
            })
            .then(&[PortalSettingsEvent::DefaultAssigneeSet { assignee_id }]);
        given::<PortalSettingsEvent>(&[])
            .when(PortalSettingsCommand::SetDefaultAssignee {
                assignee: Some(user(false)),
            })
            .then_error(PortalSettingsError::AssigneeInactive {
                user_id: user(false).user_id,
            });
    }

    #[test]
    fn setting_the_same_default_assignee_or_clearing_none_changes_nothing() {
        let assignee_id = Some(user(true).user_id);

        given(&[PortalSettingsEvent::DefaultAssigneeSet { assignee_id }])
            .when(PortalSettingsCommand::SetDefaultAssignee {
                assignee: Some(user(true)),
            })
            .then_nothing();
        given::<PortalSettingsEvent>(&[])
            .when(PortalSettingsCommand::SetDefaultAssignee { assignee: None })
            .then_nothing();
        given(&[PortalSettingsEvent::DefaultAssigneeSet { assignee_id }])
            .when(PortalSettingsCommand::SetDefaultAssignee { assignee: None })
            .then(&[PortalSettingsEvent::DefaultAssigneeSet { assignee_id: None }]);
    }
}
