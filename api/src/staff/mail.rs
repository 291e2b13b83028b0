//! `GET /api/mail/parked` and `POST /api/mail/{id}/retry` (admins): the mail the SMTP server
//! refused for good, and sending it again (ADR 12).
//!
//! The notifier owns the `outbox` table; the API only reads parked rows and puts one back to
//! `pending`, which the notifier's next round delivers.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ledgerdesk_projections::db::Cell;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::ApiError;
use crate::openapi::{self, ErrorEnvelope, Page};
use crate::session::AdminSession;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

/// `?limit=<n>&cursor=<id>` of the parked list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ParkedQuery {
    /// At most this many (default 50, at most 500).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A parked mail as admins see it: what and for whom (by id), never the address or body.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ParkedMail {
    id: String,
    event_id: String,
    recipient: String,
    template: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: String,
}

/// Lists parked mail, ordered by id: 200 `{"items", "next_cursor"}`.
#[utoipa::path(
    get,
    path = "/api/mail/parked",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(ParkedQuery),
    responses(
        (status = 200, description = "A page of parked mail", body = Page<ParkedMail>),
        (status = 400, description = openapi::BAD_QUERY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_parked_mail(
    State(state): State<AppState>,
    _admin: AdminSession,
    query: Result<Query<ParkedQuery>, QueryRejection>,
) -> Result<Json<Page<ParkedMail>>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::BadRequest {
        code: "invalid_query",
        message: rejection.body_text(),
    })?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let sql = "select id, event_id, recipient, template, attempts, last_error, created_at
               from outbox
               where status = 'parked' and id > $1
               order by id
               limit $2";
    let after = query.cursor.unwrap_or_default();
    let rows = state
        .db()
        .fetch_all(sql, &[after.into(), (limit + 1).into()])
        .await?;

    let mut items: Vec<ParkedMail> = rows.iter().map(|row| parked(row)).collect();
    let next_cursor = if items.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        items.last().map(|item| item.id.clone())
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}

/// Puts a parked mail back in line, due now: 204; 404 when no parked mail has this id.
#[utoipa::path(
    post,
    path = "/api/mail/{id}/retry",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, description = "The parked mail's id")),
    responses(
        (status = 204, description = "The mail is due again; the notifier sends it next"),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn retry_mail(
    State(state): State<AppState>,
    _admin: AdminSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut tx = state.db().begin().await?;
    let changed = tx
        .execute(
            "update outbox
             set status = 'pending', failures = 0, next_attempt_at = $1
             where id = $2 and status = 'parked'",
            &[now_ms.into(), id.clone().into()],
        )
        .await?;
    tx.commit().await?;
    if changed == 0 {
        return Err(ApiError::NotFound);
    }

    tracing::info!(notification.id = %id, "an admin put parked mail {id} back in line");
    Ok(StatusCode::NO_CONTENT)
}

fn parked(row: &[Cell]) -> ParkedMail {
    let text = |index: usize| {
        row.get(index)
            .and_then(Cell::as_text)
            .unwrap_or_default()
            .to_owned()
    };
    let created_ms = row.get(6).and_then(Cell::as_int).unwrap_or_default();
    ParkedMail {
        id: text(0),
        event_id: text(1),
        recipient: text(2),
        template: text(3),
        attempts: row.get(4).and_then(Cell::as_int).unwrap_or_default(),
        last_error: row.get(5).and_then(Cell::as_text).map(str::to_owned),
        created_at: chrono::DateTime::from_timestamp_millis(created_ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}
