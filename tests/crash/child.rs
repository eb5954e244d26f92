//! The worker process of the crash tests (and of `examples/chaos`), and its one task. The parent
//! passes the database URL and the settings in the environment; without them [`run`] returns at
//! once.

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::signal::unix::{SignalKind, signal};
use tranq::{TaskContext, TaskError};

use super::runs;

/// How often children look for expired leases.
pub const RESCUE_INTERVAL: Duration = Duration::from_millis(300);

const URL: &str = "TRANQ_CRASH_CHILD_URL";
const CONCURRENCY: &str = "TRANQ_CRASH_CHILD_CONCURRENCY";
const LEASE_MS: &str = "TRANQ_CRASH_CHILD_LEASE_MS";
const GRACE_MS: &str = "TRANQ_CRASH_CHILD_GRACE_MS";

/// How a child worker runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: u32,
    pub lease: Duration,
    pub grace: Duration,
}

impl Settings {
    pub fn apply(&self, url: &str, command: &mut Command) {
        command
            .env(URL, url)
            .env(CONCURRENCY, self.concurrency.to_string())
            .env(LEASE_MS, self.lease.as_millis().to_string())
            .env(GRACE_MS, self.grace.as_millis().to_string());
    }

    fn from_env() -> Option<(String, Settings)> {
        let url = std::env::var(URL).ok()?;
        let number = |name: &str| -> u64 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} is not set"))
        };
        let settings = Settings {
            concurrency: u32::try_from(number(CONCURRENCY)).expect("concurrency"),
            lease: Duration::from_millis(number(LEASE_MS)),
            grace: Duration::from_millis(number(GRACE_MS)),
        };
        Some((url, settings))
    }
}

/// The run log's connection in a child.
static RUN_LOG: OnceLock<DatabaseConnection> = OnceLock::new();

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrashArgs {
    pub ms: u64,
}

/// Logs its start, works for `ms`, logs its end.
#[tranq::task(queue = "crash")]
pub async fn crash_job(ctx: TaskContext, args: CrashArgs) -> Result<(), TaskError> {
    let db = RUN_LOG
        .get()
        .ok_or_else(|| TaskError::retry("not in a crash-test worker process".to_owned()))?;
    runs::record_start(db, &ctx).await;
    tokio::time::sleep(Duration::from_millis(args.ms)).await;
    runs::record_end(db, &ctx, runs::now_us()).await;
    Ok(())
}

/// Runs a worker until SIGTERM, when started by a crash test; otherwise returns at once.
pub async fn run() {
    let Some((url, settings)) = Settings::from_env() else {
        return;
    };
    let mut terminate = signal(SignalKind::terminate()).expect("a SIGTERM handler");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,tranq=info"))
        .with_ansi(false)
        .try_init();
    // The database may be restarting (chaos): try until it answers.
    let db = loop {
        match tranq::sea_orm::connect(&url).await {
            Ok(db) => break db,
            Err(error) => {
                eprintln!("worker: {error}; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let _ = RUN_LOG.set(db.clone());
    tranq::Worker::builder(tranq::sea_orm::Store::new(db))
        .queue("crash", settings.concurrency)
        .lease(settings.lease)
        .grace_period(settings.grace)
        .rescue_interval(RESCUE_INTERVAL)
        .poll_interval(Duration::from_millis(100))
        .build()
        .expect("the worker builds")
        .run_until(async move {
            terminate.recv().await;
        })
        .await
        .expect("the worker runs");
}
