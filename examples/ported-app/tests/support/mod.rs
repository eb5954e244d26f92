//! A fresh PostgreSQL database per test, the app on a free port, and reads of what it wrote.
//! The admin URL comes from `TRANQ_TEST_POSTGRES_URL` (default
//! postgres://postgres@127.0.0.1:5432/test); databases are named `tranq_t_ported_*`, which
//! scripts/setup.sh drops if a failed run left one behind.
#![allow(dead_code, clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ported_app::routes::Hook;
use ported_app::{AppState, app, db};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// A database of this test's own, dropped by [`TestDb::drop`].
pub(crate) struct TestDb {
    pub(crate) url: String,
    name: String,
}

fn admin_url() -> String {
    std::env::var("TRANQ_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

async fn admin(sql: &str) {
    let admin = sea_orm::Database::connect(admin_url()).await.unwrap();
    admin.execute_unprepared(sql).await.unwrap();
    admin.close().await.unwrap();
}

impl TestDb {
    /// Creates an empty database named after `test`.
    pub(crate) async fn create(test: &str) -> TestDb {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("tranq_t_ported_{test}_{}_{nanos}", std::process::id());
        admin(&format!("CREATE DATABASE {name}")).await;
        let (server, _) = admin_url()
            .rsplit_once('/')
            .map(|(s, d)| (s.to_owned(), d.to_owned()))
            .unwrap();
        TestDb {
            url: format!("{server}/{name}"),
            name,
        }
    }

    /// A pool on it, with the app's tables and tranq's schema.
    pub(crate) async fn connect(&self) -> DatabaseConnection {
        let pool = db::connect(&self.url).await.unwrap();
        db::migrate(&pool).await.unwrap();
        pool
    }

    /// Drops the database.
    pub(crate) async fn drop(self) {
        admin(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .await;
    }
}

/// Serves the app on a free port; returns its base URL.
pub(crate) async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app(state)).into_future());
    base
}

/// A hook from an async closure.
pub(crate) fn hook<F, Fut>(f: F) -> Hook
where
    F: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |id| Box::pin(f(id)))
}

/// `SELECT count(*) ...` as a number.
pub(crate) async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Asks `GET /orders/{id}` until the invoice is `sent` or `within` passes; returns the last state.
pub(crate) async fn wait_for_invoice(base: &str, id: i64, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let order: serde_json::Value = reqwest::get(format!("{base}/orders/{id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let state = order["invoice"].as_str().unwrap().to_owned();
        if state == "sent" || Instant::now() > deadline {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts a worker in this process; send on the returned channel to stop it.
pub(crate) fn start_worker(
    db: DatabaseConnection,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<tranq::Result<()>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = ported_app::tasks::worker(db).unwrap();
    let handle = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
    }));
    (stop, handle)
}

/// The one job, once its worker has recorded how its run ended: the task's own writes commit
/// before the worker's completion does, so a test that saw the task's effect waits here for
/// the job's state to catch up (up to `within`).
pub(crate) async fn only_job_once_finished(
    db: &DatabaseConnection,
    within: Duration,
) -> tranq::JobInfo {
    let deadline = Instant::now() + within;
    loop {
        let job = only_job(db).await;
        if job.state != tranq::JobState::Running || Instant::now() > deadline {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The one job of a database whose tests enqueued exactly one that survived.
pub(crate) async fn only_job(db: &DatabaseConnection) -> tranq::JobInfo {
    assert_eq!(count(db, "SELECT count(*) FROM tranq_jobs").await, 1);
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM tranq_jobs",
        ))
        .await
        .unwrap()
        .unwrap();
    let id = tranq::JobId(row.try_get_by_index::<i64>(0).unwrap());
    tranq::sea_orm::Store::new(db.clone())
        .job_get(id)
        .await
        .unwrap()
        .unwrap()
}
