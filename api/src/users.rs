//! Creating staff users: shared by `POST /api/users` and `ledgerdesk users create`, so that the
//! first admin goes through the same rules as every later user.

use ledgerdesk_domain::user::{Role, UserCommand, UserState};
use ledgerdesk_domain::value::{Email, Name};
use ledgerdesk_domain::{StreamName, UserId};
use ledgerdesk_store::{Checkpoint, ExpectedVersion};

use crate::error::ApiError;
use crate::write::{Writer, decide_all};
use crate::{password, read};

/// What creating a staff user takes, as typed by an admin.
#[derive(Debug)]
pub struct NewStaffUser {
    /// Their display name.
    pub name: String,
    /// Their sign-in address.
    pub email: String,
    /// `admin` or `agent`.
    pub role: String,
    /// Their initial password (hashed here, never stored).
    pub password: String,
}

/// Validates, hashes the password, and appends `user.created` and `user.password_set`.
///
/// The email must not belong to another staff user, as far as the read model knows (the CLI
/// does not wait for the read model, so two CLI runs at once could both pass the check).
/// Returns the new user's id and where the ledger stands after the append.
///
/// # Errors
/// 422 `invalid_value` or `weak_password` for bad input, 409 `email_taken`, 500 otherwise.
pub async fn create(
    writer: &Writer,
    input: NewStaffUser,
) -> Result<(UserId, Checkpoint), ApiError> {
    let name = Name::parse(&input.name)?;
    let email = Email::parse(&input.email)?;
    let role = Role::parse(&input.role)?;
    if read::staff_email_taken(&writer.db, email.as_str()).await? {
        return Err(ApiError::Conflict {
            code: "email_taken",
            message: "a staff user already signs in with this email".to_owned(),
        });
    }
    let password_hash = password::hash_blocking(input.password).await?;

    let user_id = UserId::from_uuid(uuid::Uuid::now_v7());
    let cmd = UserCommand::Create {
        user_id,
        name,
        email,
        role,
        password_hash,
    };
    let events = decide_all(UserState::default(), vec![cmd])?;
    let stream = StreamName::user(user_id);
    let outcome = writer
        .append::<UserState>(&stream, ExpectedVersion::NoStream, &events)
        .await?
        .ok_or_else(|| ApiError::internal(NothingAppended))?;

    tracing::info!(user.id = %user_id, role = role.as_str(), "staff user created");
    Ok((user_id, outcome.checkpoint))
}

/// Creating a user decided no events, which `decide` never does for a new stream.
#[derive(Debug, thiserror::Error)]
#[error("creating a staff user appended no events")]
struct NothingAppended;
