//! `ledgerdesk users create`: create a staff user (e.g. the first admin) straight through the
//! domain and the store, as `system` on the `cli` channel, before anyone can sign in.

use std::io::BufRead as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use ledgerdesk_api::users::{self, NewStaffUser};
use ledgerdesk_api::write::{self, Writer};
use ledgerdesk_domain::{Actor, Channel};
use ledgerdesk_projections::db::{Cell, ReadDb};
use ledgerdesk_projections::{Projector, ProjectorConfig, portal};
use ledgerdesk_store::AnyStore;

use crate::cli::{CreateUserArgs, RoleArg};

/// How long to wait for a running server to read the new user before saying so.
const WAIT_FOR_SERVER: std::time::Duration = std::time::Duration::from_secs(3);

/// Reads the password from standard input, creates the user and prints their id.
///
/// # Errors
/// When the database cannot be opened, standard input cannot be read, or the user is refused
/// (invalid values, a weak password, a taken email).
pub async fn create(args: &CreateUserArgs) -> anyhow::Result<ExitCode> {
    let password = read_password().context("failed to read the password from standard input")?;
    let store = AnyStore::connect(&args.database.database_url)
        .await
        .context("failed to open the database")?;
    ensure_read_model(&store)
        .await
        .context("failed to build the read model")?;

    let writer = Writer {
        db: ReadDb::of(&store),
        store,
        actor: Actor::System,
        channel: Channel::Cli,
        correlation_id: uuid::Uuid::now_v7(),
        wait_for_read_model: None,
    };
    let role = match args.role {
        RoleArg::Admin => "admin",
        RoleArg::Agent => "agent",
    };
    let input = NewStaffUser {
        name: args.name.clone(),
        email: args.email.clone(),
        role: role.to_owned(),
        password,
    };
    let (user_id, outcome) = users::create(&writer, input)
        .await
        .context("failed to create the staff user")?;

    // A running server's projector picks the user up within its poll interval; waiting for it
    // here means the user can sign in as soon as this command returns.
    let caught_up = write::wait_for_read_model(&writer.db, outcome, WAIT_FOR_SERVER).await;
    if caught_up.is_err() {
        tracing::warn!(
            user.id = %user_id,
            "the user is created; no running server has read it yet, it can sign in once `serve` runs"
        );
    }
    writeln!(std::io::stdout().lock(), "{user_id}")?;
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, without its line ending.
fn read_password() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Builds the read model when it was never built for this version, so that the email check has
/// tables to read; a running server's projector keeps it current otherwise.
async fn ensure_read_model(store: &AnyStore) -> anyhow::Result<()> {
    let sql = "select model_version from projection_checkpoints where name = $1";
    let rows = ReadDb::of(store)
        .fetch_all(sql, &[portal::NAME.into()])
        .await?;
    let version = rows
        .first()
        .and_then(|row| row.first())
        .and_then(Cell::as_int);
    if version != Some(portal::MODEL_VERSION) {
        Projector::start(store.clone(), ProjectorConfig::default())
            .await?
            .catch_up()
            .await?;
    }
    Ok(())
}
