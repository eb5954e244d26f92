//! `tranq dashboard`: serves the web dashboard (`tranq::dashboard`) over the database until
//! Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use tranq::dashboard::Dashboard;

use crate::db::DbArgs;
use crate::exit::CliError;

/// Where to listen, and whether operators may change jobs.
#[derive(Debug, clap::Args)]
pub(crate) struct DashboardArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Lets operators who sign in with this token (16 characters or more) retry, cancel and
    /// discard jobs. Without it the dashboard is read-only.
    #[arg(long, env = "TRANQ_DASHBOARD_TOKEN", hide_env_values = true)]
    write_token: Option<String>,
}

pub(crate) async fn run(args: DashboardArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    // A database that is not migrated says so now, not at the first page.
    store.queue_stats().await?;
    let mut dashboard = Dashboard::new(store);
    let writes = args.write_token.is_some();
    if let Some(token) = args.write_token {
        dashboard = dashboard.write_token(token);
    }
    let router = dashboard.router().map_err(|e| CliError::Other(e.into()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on {}: {e}", args.listen).into()))?;
    let addr = listener.local_addr()?;
    let mode = if writes {
        "operators who sign in with the write token can change jobs"
    } else {
        "read-only: give --write-token to allow changes"
    };
    eprintln!("tranq: dashboard on http://{addr}/ ({mode})");
    axum::serve(listener, router)
        .with_graceful_shutdown(tranq::shutdown_signal())
        .await?;
    Ok(())
}
