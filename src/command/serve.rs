//! `ledgerdesk serve`: the HTTP API and the portal projector in one process, stopped gracefully
//! by SIGTERM or Ctrl-C.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ledgerdesk_api::{AppState, Config};
use ledgerdesk_projections::ProjectorConfig;
use ledgerdesk_store::AnyStore;
use tokio::sync::watch;

use crate::cli::ServeArgs;

/// How often ended sessions are deleted.
const SESSION_PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Serves until a shutdown signal, then lets requests in flight finish and stops the projector.
///
/// # Errors
/// When the database cannot be opened, the address cannot be bound, or the projector stops on an
/// error it cannot retry.
pub async fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = AnyStore::connect(&args.database.database_url)
        .await
        .context("failed to open the database")?;
    let mut config = Config::new(args.listen);
    config.public_url.clone_from(&args.public_url);
    // Whichever ends first (a signal, the server, the projector) stops the others.
    let (stop, stopped) = watch::channel(false);
    let stop = Arc::new(stop);
    let state = AppState::new(store.clone(), config);

    let projector = tokio::spawn({
        let (stop, stopped, store) = (Arc::clone(&stop), stopped.clone(), store.clone());
        async move {
            let outcome =
                ledgerdesk_projections::run(store, ProjectorConfig::default(), stopped).await;
            stop.send_replace(true);
            outcome
        }
    });
    let server = tokio::spawn({
        let (stop, mut stopped) = (Arc::clone(&stop), stopped.clone());
        let state = state.clone();
        async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            let outcome = ledgerdesk_api::serve(state, shutdown).await;
            stop.send_replace(true);
            outcome
        }
    });
    let purge = tokio::spawn(purge_sessions(state));
    let signals = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received, finishing requests in flight");
        stop.send_replace(true);
    });

    let served = server.await.context("the API task panicked")?;
    let projected = projector.await.context("the projector task panicked")?;
    signals.abort();
    purge.abort();
    served.context("the API server failed")?;
    projected.context("the portal projector stopped on an error")?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Deletes expired and signed-out sessions at start and then every `SESSION_PURGE_EVERY`; a
/// failure is logged and tried again at the next tick.
async fn purge_sessions(state: AppState) {
    let mut ticks = tokio::time::interval(SESSION_PURGE_EVERY);
    loop {
        ticks.tick().await;
        match ledgerdesk_api::session::purge_ended(state.db()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "deleted expired and signed-out sessions"),
            Err(err) => tracing::warn!(error = %err, "could not delete ended sessions"),
        }
    }
}

/// Completes when Ctrl-C or SIGTERM arrives.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
