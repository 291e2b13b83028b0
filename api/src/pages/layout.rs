//! What every page's frame shows: the portal's name and logo from the portal settings, and, for
//! a signed-in customer, the navigation and the sign-out form.

use ledgerdesk_domain::StreamName;
use ledgerdesk_domain::portal_settings::{PortalSettings, PortalSettingsState};

use crate::AppState;
use crate::error::ApiError;
use crate::pages::PageSession;
use crate::read;
use crate::write::load;

/// The portal's name when the settings give none.
const DEFAULT_NAME: &str = "Customer portal";

/// Which navigation entry a page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    None,
    Incidents,
    NewIncident,
    Colleagues,
}

/// The frame of a page (`templates/portal/base.html`).
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) portal_name: String,
    pub(crate) logo_url: Option<String>,
    /// The signed-in customer's name; `None` before sign-in.
    pub(crate) customer_name: Option<String>,
    pub(crate) company_admin: bool,
    pub(crate) csrf: String,
    pub(crate) section: Section,
}

impl Layout {
    /// The frame without settings or a customer, for error pages.
    pub(crate) fn bare() -> Self {
        Self {
            portal_name: DEFAULT_NAME.to_owned(),
            logo_url: None,
            customer_name: None,
            company_admin: false,
            csrf: String::new(),
            section: Section::None,
        }
    }

    /// The frame before sign-in: the portal's name and logo.
    pub(crate) async fn anonymous(state: &AppState) -> Result<Self, ApiError> {
        let settings = settings(state).await?;
        let appearance = &settings.appearance;
        Ok(Self {
            portal_name: appearance
                .name
                .as_ref()
                .map_or(DEFAULT_NAME, |name| name.as_str())
                .to_owned(),
            logo_url: appearance
                .logo_url
                .as_ref()
                .map(|url| url.as_str().to_owned()),
            ..Self::bare()
        })
    }

    /// The frame of a signed-in customer's page in `section`.
    pub(crate) async fn signed_in(
        state: &AppState,
        page: &PageSession,
        section: Section,
    ) -> Result<Self, ApiError> {
        let customer = read::customer(state.db(), page.session.customer_id).await?;
        Ok(Self {
            customer_name: Some(customer.name),
            company_admin: customer.company_admin,
            csrf: page.csrf.clone(),
            section,
            ..Self::anonymous(state).await?
        })
    }

    /// Whether the page belongs to the navigation entry `name` (`incidents`, `new`,
    /// `colleagues`), for `aria-current`.
    pub(crate) fn current(&self, name: &str) -> bool {
        let section = match name {
            "incidents" => Section::Incidents,
            "new" => Section::NewIncident,
            "colleagues" => Section::Colleagues,
            _ => Section::None,
        };
        section != Section::None && self.section == section
    }
}

/// The portal settings as the ledger has them now.
pub(crate) async fn settings(state: &AppState) -> Result<PortalSettings, ApiError> {
    let loaded = load::<PortalSettingsState>(state.store(), &StreamName::portal_settings()).await?;
    Ok(loaded.state.settings().clone())
}
