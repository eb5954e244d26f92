//! A worker does not write its SQL into the app's log when its connection comes from
//! `tranq::sea_orm::connect` (statement logging off), while one over a connection with SeaORM's
//! default statement logging does: the second half shows the check can fail. A test binary of
//! its own, since it installs the process-wide tracing subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tracing_subscriber::layer::SubscriberExt;
use tranq::{TaskContext, TaskError, Worker};

#[tranq::task(queue = "logs")]
async fn idle(_ctx: TaskContext, _args: ()) -> Result<(), TaskError> {
    Ok(())
}

/// Counts the statements sqlx logs (target `sqlx::query`).
struct Statements(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target().starts_with("sqlx::query") {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Statements logged while a worker over `db` idles for a second.
async fn logged_while_idle(db: DatabaseConnection, counter: &AtomicUsize) -> usize {
    let worker = Worker::builder(tranq::sea_orm::Store::new(db))
        .queue("logs", 1)
        .poll_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    let before = counter.load(Ordering::Relaxed);
    worker
        .run_until(tokio::time::sleep(Duration::from_secs(1)))
        .await
        .unwrap();
    counter.load(Ordering::Relaxed) - before
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_on_a_tranq_connection_keeps_its_sql_out_of_the_log() {
    let counter = Arc::new(AtomicUsize::new(0));
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(Statements(counter.clone())),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("tranq-worker-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("logs.sqlite").display());

    let quiet = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&quiet).await.unwrap();
    assert_eq!(
        logged_while_idle(quiet, &counter).await,
        0,
        "the worker's claims and heartbeats were logged"
    );

    // The app's own connection, as SeaORM's examples open it: every statement is logged.
    let mut options = ConnectOptions::new(url.clone());
    options.sqlx_logging(true);
    let app = Database::connect(options).await.unwrap();
    let logged = logged_while_idle(app, &counter).await;
    assert!(
        logged > 5,
        "only {logged} statements logged: the check proves nothing"
    );
    std::fs::remove_dir_all(&dir).ok();
}
