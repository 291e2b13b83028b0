//! Incident reads from the portal read model (`rm_incidents`, `rm_incident_comments`): the staff
//! view, and the portal view, which always goes through `query::visible_incidents_sql` (or
//! `query::visible_page_sql` for a page) and holds public comments only.

use std::collections::BTreeMap;

use ledgerdesk_domain::{CustomerId, IncidentId, IncidentReference};
use ledgerdesk_projections::db::{Cell, Param, ReadDb};
use ledgerdesk_projections::query::{visible_incidents_sql, visible_page_sql};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::incidents::{IncidentKey, PageRequest};
use crate::read::{flag, table, text};

/// An incident as staff see it (DESIGN §6).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Incident)]
pub(crate) struct IncidentView {
    pub(crate) id: String,
    pub(crate) reference: String,
    pub(crate) title: String,
    pub(crate) description: String,
    #[serde(rename = "type")]
    pub(crate) incident_type: String,
    pub(crate) portal_type: Option<String>,
    pub(crate) service_id: String,
    pub(crate) customer_id: Option<String>,
    pub(crate) company_id: Option<String>,
    pub(crate) assignee_id: Option<String>,
    pub(crate) status: String,
    pub(crate) shown_in_portal: bool,
    pub(crate) version: i64,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) comments: Vec<CommentView>,
    /// For paging only.
    #[serde(skip)]
    pub(crate) number: i64,
}

/// An incident as the portal shows it: no internal fields, public comments only.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PortalIncident)]
pub(crate) struct PortalIncidentView {
    pub(crate) id: String,
    pub(crate) reference: String,
    pub(crate) title: String,
    pub(crate) description: String,
    /// The portal type it was logged with; `null` for incidents staff logged.
    #[serde(rename = "type")]
    pub(crate) portal_type: Option<String>,
    pub(crate) service_id: String,
    pub(crate) status: String,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) comments: Vec<CommentView>,
    #[serde(skip)]
    pub(crate) number: i64,
}

/// A comment: `{"id","body","public","author","created_at"}`.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Comment)]
pub(crate) struct CommentView {
    pub(crate) id: String,
    pub(crate) body: String,
    pub(crate) public: bool,
    /// `staff:<id>` or `customer:<id>` for staff; the portal shows staff authors as `staff`.
    pub(crate) author: String,
    pub(crate) created_at: String,
}

/// Whose eyes a query is for: staff see everything, a customer only what the rule allows.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Audience {
    Staff,
    Customer(CustomerId),
}

const COLUMNS: &str = "i.incident_id, i.reference, i.title, i.description, i.incident_type,
    i.portal_type, i.service_id, i.customer_id, i.company_id, i.assignee_id, i.status,
    i.shown_in_portal, i.version, i.created_at, i.updated_at";

/// The incident `key` names, as `audience` may see it: 404 when it does not exist or is not
/// visible to the customer.
pub(crate) async fn incident(
    db: &ReadDb,
    audience: Audience,
    key: IncidentKey,
) -> Result<IncidentView, ApiError> {
    let (column, value): (&str, Param) = match key {
        IncidentKey::Id(id) => ("i.incident_id", id.to_string().into()),
        IncidentKey::Reference(reference) => ("i.reference", number_of(reference).into()),
    };
    let filter = format!("and {column} = $2");
    let found = select(db, audience, &filter, vec![value]).await?;
    found.into_iter().next().ok_or(ApiError::NotFound)
}

/// A page of incidents, newest first; `status` and `search` filter when given.
pub(crate) async fn incidents_page(
    db: &ReadDb,
    audience: Audience,
    page: &PageRequest,
) -> Result<Vec<IncidentView>, ApiError> {
    let mut params = vec![Param::from(page.before)];
    if let Some(status) = &page.status {
        params.push(status.as_str().into());
    }
    if let Some(search) = &page.search {
        params.push(like_pattern(search).into());
    }
    select_with(db, audience, &page_sql(audience, page), params).await
}

/// The incidents query `GET /portal/api/incidents` runs for a customer's default page (no
/// cursor, no status filter): `$1` is the customer's id as text, `$2` the cursor, which is
/// `i64::MAX` for the first page. Its comments are read by a second query.
///
/// For benchmarks that compare the endpoint with the database alone; the handler builds the
/// same text through the same functions.
#[must_use]
pub fn portal_incidents_page_sql() -> String {
    let page = PageRequest::first_page();
    let anyone = Audience::Customer(CustomerId::from_uuid(uuid::Uuid::nil()));
    page_sql(anyone, &page)
}

/// The incident's id for `key`, whether or not it exists (a reference must exist).
pub(crate) async fn incident_id(db: &ReadDb, key: IncidentKey) -> Result<IncidentId, ApiError> {
    match key {
        IncidentKey::Id(id) => Ok(id),
        IncidentKey::Reference(_) => {
            let found = incident(db, Audience::Staff, key).await?;
            IncidentId::parse(&found.id).map_err(ApiError::internal)
        }
    }
}

/// Whether the customer can see the incident now, by `query::visible_incidents_sql`.
pub(crate) async fn customer_can_see(
    db: &ReadDb,
    customer_id: CustomerId,
    incident_id: IncidentId,
) -> Result<bool, ApiError> {
    let audience = Audience::Customer(customer_id);
    let found = incident(db, audience, IncidentKey::Id(incident_id)).await;
    match found {
        Ok(_) => Ok(true),
        Err(ApiError::NotFound) => Ok(false),
        Err(err) => Err(err),
    }
}

/// One comment of an incident, as `audience` may see it.
pub(crate) async fn comment(
    db: &ReadDb,
    audience: Audience,
    incident_id: IncidentId,
    comment_id: &str,
) -> Result<CommentView, ApiError> {
    let incident = incident(db, audience, IncidentKey::Id(incident_id)).await?;
    incident
        .comments
        .into_iter()
        .find(|comment| comment.id == comment_id)
        .ok_or(ApiError::NotFound)
}

impl IncidentView {
    /// The portal's view: internal fields dropped; comments are public already.
    pub(crate) fn into_portal(self) -> PortalIncidentView {
        PortalIncidentView {
            id: self.id,
            reference: self.reference,
            title: self.title,
            description: self.description,
            portal_type: self.portal_type,
            service_id: self.service_id,
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            comments: self.comments,
            number: self.number,
        }
    }
}

/// Incidents matching `filter` (which starts with `and`, binds from `$2`), with their comments.
/// For a customer, only incidents `visible_incidents_sql` gives ($1), and public comments.
async fn select(
    db: &ReadDb,
    audience: Audience,
    filter: &str,
    params: Vec<Param>,
) -> Result<Vec<IncidentView>, ApiError> {
    select_with(db, audience, &select_sql(audience, filter), params).await
}

/// Runs `sql` (which selects [`COLUMNS`] first) with `$1` the customer's id (empty for staff)
/// and `params` from `$2`, and adds the comments `audience` may read.
async fn select_with(
    db: &ReadDb,
    audience: Audience,
    sql: &str,
    params: Vec<Param>,
) -> Result<Vec<IncidentView>, ApiError> {
    let viewer = match audience {
        Audience::Staff => String::new(),
        Audience::Customer(customer_id) => customer_id.to_string(),
    };
    let mut all = vec![Param::from(viewer)];
    all.extend(params);
    let rows = db.fetch_all(sql, &all).await?;

    let mut incidents: Vec<IncidentView> = rows.iter().map(|row| incident_view(row)).collect();
    let public_only = matches!(audience, Audience::Customer(_));
    let mut comments = comments_of(db, &incidents, public_only).await?;
    for incident in &mut incidents {
        incident.comments = comments.remove(&incident.id).unwrap_or_default();
    }
    Ok(incidents)
}

/// The text of [`select`]'s query: `$1` is the customer's id (empty for staff).
fn select_sql(audience: Audience, filter: &str) -> String {
    let visible = match audience {
        Audience::Staff => "$1 = ''".to_owned(),
        Audience::Customer(_) => format!(
            "i.incident_id in (select incident_id from ({}) visible)",
            visible_incidents_sql()
        ),
    };
    format!(
        "select {COLUMNS}
         from {incidents} i
         where {visible} {filter}",
        incidents = table("incidents"),
    )
}

/// The query of a page: before the cursor (`$2`), in the status (`$3`) when given, holding
/// the search text (the next parameter) when given, newest first, one more than the limit (to
/// tell whether there is a next page). A customer's page is read newest first by index through
/// `visible_page_sql`, so it costs the page, not everything the customer can see.
fn page_sql(audience: Audience, page: &PageRequest) -> String {
    let mut filter = String::new();
    let mut next = 3;
    if page.status.is_some() {
        filter.push_str(&format!(" and i.status = ${next}"));
        next += 1;
    }
    if page.search.is_some() {
        // Case-insensitive containment on both backends; `like_pattern` escapes the text's own
        // `%`, `_` and `\` so they match themselves.
        filter.push_str(&format!(
            " and (lower(i.title) like ${next} escape '\\' \
               or lower(i.description) like ${next} escape '\\')"
        ));
    }
    let limit = page.limit + 1;
    match audience {
        Audience::Staff => select_sql(
            audience,
            &format!("and i.reference < $2{filter} order by i.reference desc limit {limit}"),
        ),
        Audience::Customer(_) => visible_page_sql(
            COLUMNS,
            &format!(
                "join {} i on i.incident_id = v.incident_id",
                table("incidents")
            ),
            &format!("and v.reference < $2{filter}"),
            limit,
        ),
    }
}

/// The comments of `incidents`, oldest first, by incident id; public ones only when asked, with
/// staff authors shown as `staff`.
async fn comments_of(
    db: &ReadDb,
    incidents: &[IncidentView],
    public_only: bool,
) -> Result<BTreeMap<String, Vec<CommentView>>, ApiError> {
    if incidents.is_empty() {
        return Ok(BTreeMap::new());
    }
    let placeholders: Vec<String> = (1..=incidents.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "select comment_id, incident_id, body, public, author, created_at
         from {}
         where incident_id in ({}){}
         order by version, comment_id",
        table("incident_comments"),
        placeholders.join(", "),
        if public_only { " and public" } else { "" },
    );
    let params: Vec<Param> = incidents.iter().map(|i| i.id.clone().into()).collect();
    let rows = db.fetch_all(&sql, &params).await?;

    let mut by_incident: BTreeMap<String, Vec<CommentView>> = BTreeMap::new();
    for row in rows {
        let author = text(&row, 4);
        let author = if public_only && author.starts_with("staff:") {
            "staff".to_owned()
        } else {
            author
        };
        by_incident
            .entry(text(&row, 1))
            .or_default()
            .push(CommentView {
                id: text(&row, 0),
                body: text(&row, 2),
                public: flag(&row, 3),
                author,
                created_at: text(&row, 5),
            });
    }
    Ok(by_incident)
}

fn incident_view(row: &[Cell]) -> IncidentView {
    let optional = |index: usize| row.get(index).and_then(Cell::as_text).map(str::to_owned);
    let number = row.get(1).and_then(Cell::as_int).unwrap_or(0);
    IncidentView {
        id: text(row, 0),
        reference: format!("INC-{number}"),
        title: text(row, 2),
        description: text(row, 3),
        incident_type: text(row, 4),
        portal_type: optional(5),
        service_id: text(row, 6),
        customer_id: optional(7),
        company_id: optional(8),
        assignee_id: optional(9),
        status: text(row, 10),
        shown_in_portal: flag(row, 11),
        version: row.get(12).and_then(Cell::as_int).unwrap_or(0),
        created_at: text(row, 13),
        updated_at: text(row, 14),
        comments: Vec::new(),
        number,
    }
}

/// `%text%`, lowercase, with the `like` wildcards and the escape character escaped.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for character in text.to_lowercase().chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

fn number_of(reference: IncidentReference) -> i64 {
    i64::try_from(reference.number()).unwrap_or(i64::MAX)
}
