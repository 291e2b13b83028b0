//! `GET` and `PUT /api/portal-settings` (admins): the portal's appearance, its portal types and
//! the default assignee, through the `portal_settings` aggregate.
//!
//! Both read the singleton `portal-settings` stream, which is small and always current, as
//! `GET /portal/api/types` does (ADR 9, ADR 10).

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use ledgerdesk_domain::portal_settings::{
    Appearance, PortalSettings, PortalSettingsCommand, PortalSettingsState, PortalType,
};
use ledgerdesk_domain::value::{Colour, IncidentType, LogoUrl, Name, PortalTypeName};
use ledgerdesk_domain::{Aggregate as _, StreamName, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::user_facts;
use crate::json::Body;
use crate::openapi::{self, ErrorEnvelope};
use crate::session::AdminSession;
use crate::staff::writer;
use crate::write::{decide_all, load, retry_on_conflict};

/// The portal settings as the API shows and takes them (DESIGN §6).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PortalSettings)]
pub(crate) struct SettingsView {
    /// The portal's name; `null` clears it.
    name: Option<String>,
    /// e.g. `#1f6feb`; `null` clears it.
    background_colour: Option<String>,
    /// `null` clears it.
    logo_url: Option<String>,
    /// The staff user mailed when an incident has no assignee; `null` clears it.
    #[schema(value_type = Option<String>, format = Uuid)]
    default_assignee_id: Option<UserId>,
    /// On `PUT`, every listed type is mapped; types not listed stay as they are.
    portal_types: Vec<PortalTypeView>,
}

/// One portal type: its machine name, what customers read, the internal type, whether offered.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PortalType)]
pub(crate) struct PortalTypeView {
    name: String,
    label: String,
    incident_type: String,
    enabled: bool,
}

/// The current portal settings.
#[utoipa::path(
    get,
    path = "/api/portal-settings",
    tag = "portal settings",
    security(("bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "The portal settings", body = SettingsView),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_portal_settings(
    State(state): State<AppState>,
    _admin: AdminSession,
) -> Result<Json<SettingsView>, ApiError> {
    let loaded = load::<PortalSettingsState>(state.store(), &StreamName::portal_settings()).await?;
    Ok(Json(SettingsView::of(loaded.state.settings())))
}

/// Sets the appearance and default assignee, and maps every listed portal type; types not
/// listed stay as they are (a type is never deleted: disable it). 200 with the settings.
#[utoipa::path(
    put,
    path = "/api/portal-settings",
    tag = "portal settings",
    security(("bearer" = []), ("staff_cookie" = [])),
    request_body = SettingsView,
    responses(
        (status = 200, description = "The new portal settings", body = SettingsView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value`, `duplicate_portal_type`, `unknown_user`, \
                `user_deactivated` (the default assignee)",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn set_portal_settings(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    Body(body): Body<SettingsView>,
) -> Result<Json<SettingsView>, ApiError> {
    let appearance = Appearance {
        name: body.name.as_deref().map(Name::parse).transpose()?,
        background_colour: body
            .background_colour
            .as_deref()
            .map(Colour::parse)
            .transpose()?,
        logo_url: body.logo_url.as_deref().map(LogoUrl::parse).transpose()?,
    };
    let portal_types = portal_types(&body.portal_types)?;
    let assignee = match body.default_assignee_id {
        Some(user_id) => Some(user_facts(state.store(), user_id).await?),
        None => None,
    };
    let stream = StreamName::portal_settings();
    let writer = writer(&state, admin);

    let settings = retry_on_conflict(|| async {
        let loaded = load::<PortalSettingsState>(state.store(), &stream).await?;
        let mut commands = vec![PortalSettingsCommand::ChangeAppearance(appearance.clone())];
        commands.extend(
            portal_types
                .iter()
                .cloned()
                .map(PortalSettingsCommand::MapPortalType),
        );
        commands.push(PortalSettingsCommand::SetDefaultAssignee { assignee });
        let events = decide_all(loaded.state.clone(), commands)?;
        writer
            .append::<PortalSettingsState>(&stream, loaded.expected(), &events)
            .await?;
        Ok(events
            .iter()
            .fold(loaded.state, |settings, event| settings.evolve(event)))
    })
    .await?;

    Ok(Json(SettingsView::of(settings.settings())))
}

impl SettingsView {
    fn of(settings: &PortalSettings) -> Self {
        let appearance = &settings.appearance;
        Self {
            name: appearance
                .name
                .as_ref()
                .map(|name| name.as_str().to_owned()),
            background_colour: appearance
                .background_colour
                .as_ref()
                .map(|colour| colour.as_str().to_owned()),
            logo_url: appearance
                .logo_url
                .as_ref()
                .map(|url| url.as_str().to_owned()),
            default_assignee_id: settings.default_assignee_id,
            portal_types: settings
                .portal_types
                .iter()
                .map(|portal_type| PortalTypeView {
                    name: portal_type.name.as_str().to_owned(),
                    label: portal_type.label.as_str().to_owned(),
                    incident_type: portal_type.incident_type.as_str().to_owned(),
                    enabled: portal_type.enabled,
                })
                .collect(),
        }
    }
}

/// The listed portal types, validated: 422 `invalid_value` for a bad value and
/// `duplicate_portal_type` for a name listed twice.
fn portal_types(listed: &[PortalTypeView]) -> Result<Vec<PortalType>, ApiError> {
    let mut names = BTreeSet::new();
    listed
        .iter()
        .map(|view| {
            let name = PortalTypeName::parse(&view.name)?;
            if !names.insert(name.clone()) {
                return Err(ApiError::rule(
                    "duplicate_portal_type",
                    format!("portal type {} is listed twice", view.name),
                ));
            }
            Ok(PortalType {
                name,
                label: Name::parse(&view.label)?,
                incident_type: IncidentType::parse(&view.incident_type)?,
                enabled: view.enabled,
            })
        })
        .collect()
}
