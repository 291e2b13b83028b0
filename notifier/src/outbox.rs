//! The notifier's tables: its checkpoint row and the outbox (migration 0006). Every statement is
//! written once and runs on both backends.

use ledgerdesk_store::{AnyStore, Checkpoint};

use crate::NotifierError;

/// Runs `$body` with `$pool` bound to the store's pool, whichever the backend.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            AnyStore::Postgres(store) => {
                let $pool = store.pool();
                $body
            }
            AnyStore::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
        }
    };
}

/// The notifier's row in `notifier_checkpoint`.
const NAME: &str = "notifier";

/// A mail to add to the outbox.
#[derive(Clone, Debug)]
pub(crate) struct NewMail {
    pub(crate) id: String,
    pub(crate) event_id: String,
    pub(crate) recipient: String,
    pub(crate) template: &'static str,
    pub(crate) position: i64,
    pub(crate) message_id: String,
    pub(crate) to_address: String,
    pub(crate) subject: String,
    pub(crate) body_text: String,
    pub(crate) body_html: String,
}

/// A pending mail whose time has come.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct DueMail {
    pub(crate) id: String,
    pub(crate) template: String,
    pub(crate) message_id: String,
    pub(crate) to_address: String,
    pub(crate) subject: String,
    pub(crate) body_text: String,
    pub(crate) body_html: String,
    pub(crate) attempts: i64,
    pub(crate) failures: i64,
}

/// Takes the fence (from now on only the caller moves the checkpoint) and returns the
/// checkpoint with the fence taken.
pub(crate) async fn take_fence(store: &AnyStore) -> Result<(Checkpoint, i64), NotifierError> {
    let row: (i64, i64, i64) = with_pool!(store, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "insert into notifier_checkpoint (name) values ($1) on conflict (name) do nothing",
        )
        .bind(NAME)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update notifier_checkpoint set fence = fence + 1 where name = $1")
            .bind(NAME)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query_as(
            "select commit_id, position, fence from notifier_checkpoint where name = $1",
        )
        .bind(NAME)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        row
    });
    let (commit, position, fence) = row;
    Ok((Checkpoint { commit, position }, fence))
}

/// Adds `mails` to the outbox (a mail already owed stays as it is) and moves the checkpoint
/// from `from` to `to`, in one transaction, only while the caller holds `fence`.
///
/// # Errors
/// [`NotifierError::Fenced`] when another instance moved the checkpoint or took the fence;
/// nothing is written then.
pub(crate) async fn commit_batch(
    store: &AnyStore,
    fence: i64,
    from: Checkpoint,
    to: Checkpoint,
    mails: &[NewMail],
    now_ms: i64,
) -> Result<(), NotifierError> {
    let moved: u64 = with_pool!(store, |pool| {
        let mut tx = pool.begin().await?;
        // The row lock first: a second instance waits here instead of racing the inserts.
        sqlx::query("update notifier_checkpoint set fence = fence where name = $1")
            .bind(NAME)
            .execute(&mut *tx)
            .await?;
        for mail in mails {
            sqlx::query(
                "insert into outbox (id, event_id, recipient, template, position, message_id,
                                     to_address, subject, body_text, body_html,
                                     next_attempt_at, created_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
                 on conflict (event_id, recipient, template) do nothing",
            )
            .bind(&mail.id)
            .bind(&mail.event_id)
            .bind(&mail.recipient)
            .bind(mail.template)
            .bind(mail.position)
            .bind(&mail.message_id)
            .bind(&mail.to_address)
            .bind(&mail.subject)
            .bind(&mail.body_text)
            .bind(&mail.body_html)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        let moved = sqlx::query(
            "update notifier_checkpoint set commit_id = $1, position = $2
             where name = $3 and fence = $4 and commit_id = $5 and position = $6",
        )
        .bind(to.commit)
        .bind(to.position)
        .bind(NAME)
        .bind(fence)
        .bind(from.commit)
        .bind(from.position)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 1 {
            tx.commit().await?;
        }
        moved
    });
    if moved == 1 {
        Ok(())
    } else {
        Err(NotifierError::Fenced)
    }
}

/// Up to `limit` pending mails due at `now_ms`, oldest event first.
pub(crate) async fn due(
    store: &AnyStore,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<DueMail>, NotifierError> {
    let sql = "select id, template, message_id, to_address, subject, body_text, body_html,
                      attempts, failures
               from outbox
               where status = 'pending' and next_attempt_at <= $1
               order by next_attempt_at, position, id
               limit $2";
    Ok(with_pool!(store, |pool| {
        sqlx::query_as(sql)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(pool)
            .await?
    }))
}

/// Records a delivery.
pub(crate) async fn mark_sent(
    store: &AnyStore,
    id: &str,
    now_ms: i64,
) -> Result<(), NotifierError> {
    let sql = "update outbox
               set status = 'sent', attempts = attempts + 1, sent_at = $1, last_error = null
               where id = $2 and status = 'pending'";
    with_pool!(store, |pool| {
        sqlx::query(sql).bind(now_ms).bind(id).execute(pool).await?;
    });
    Ok(())
}

/// Records a temporary failure: the mail is tried again at `next_at_ms`.
pub(crate) async fn mark_retry(
    store: &AnyStore,
    id: &str,
    next_at_ms: i64,
    error: &str,
) -> Result<(), NotifierError> {
    let sql = "update outbox
               set attempts = attempts + 1, retries = retries + 1, failures = failures + 1,
                   next_attempt_at = $1,
                   last_error = $2
               where id = $3 and status = 'pending'";
    with_pool!(store, |pool| {
        sqlx::query(sql)
            .bind(next_at_ms)
            .bind(error)
            .bind(id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Records a permanent failure: the mail waits for an admin.
pub(crate) async fn mark_parked(
    store: &AnyStore,
    id: &str,
    error: &str,
) -> Result<(), NotifierError> {
    let sql = "update outbox
               set status = 'parked', attempts = attempts + 1, last_error = $1
               where id = $2 and status = 'pending'";
    with_pool!(store, |pool| {
        sqlx::query(sql).bind(error).bind(id).execute(pool).await?;
    });
    Ok(())
}

/// The earliest time a pending mail is due, if any is pending.
pub(crate) async fn next_due(store: &AnyStore) -> Result<Option<i64>, NotifierError> {
    let sql = "select min(next_attempt_at) from outbox where status = 'pending'";
    Ok(with_pool!(store, |pool| {
        sqlx::query_scalar::<_, Option<i64>>(sql)
            .fetch_one(pool)
            .await?
    }))
}

/// Now as Unix milliseconds, the outbox's clock.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
