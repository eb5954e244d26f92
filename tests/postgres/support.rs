//! Per-test databases, workers and probes shared by the Postgres tests.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tranq::sea_orm::Store;
use tranq::{Backoff, JobId, JobInfo, JobState, Store as _};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn admin_url() -> String {
    std::env::var("TRANQ_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// A database of its own for one test; dropped by `cleanup` when the test passes, kept for
/// inspection when it fails.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub db: DatabaseConnection,
}

impl TestDb {
    /// A fresh database with tranq's schema.
    pub async fn migrated(test: &str) -> TestDb {
        let t = TestDb::empty(test).await;
        tranq::sea_orm::migrate(&t.db).await.expect("migrate");
        t
    }

    /// A fresh database without tranq's schema.
    pub async fn empty(test: &str) -> TestDb {
        let admin = Database::connect(admin_url())
            .await
            .expect("connect to the admin database");
        let name = format!("tranq_t_{}_{}", test, uuid::Uuid::new_v4().simple())
            .chars()
            .take(63)
            .collect::<String>();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await
            .expect("drop");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        let base = admin_url();
        let url = match base.rfind('/') {
            Some(i) => format!("{}/{name}", &base[..i]),
            None => panic!("TRANQ_TEST_POSTGRES_URL must end in /<database>"),
        };
        let db = Database::connect(&url)
            .await
            .expect("connect to the test database");
        TestDb { name, url, db }
    }

    pub fn store(&self) -> Store {
        Store::new(self.db.clone())
    }

    pub async fn job(&self, id: JobId) -> JobInfo {
        self.store()
            .job_get(id)
            .await
            .expect("job_get")
            .expect("job exists")
    }

    pub async fn count_jobs(&self) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) FROM tranq_jobs",
            ))
            .await
            .expect("count")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    /// Waits until job `id` is in `state`, failing after 20 s.
    pub async fn wait_state(&self, id: JobId, state: JobState) -> JobInfo {
        let store = self.store();
        eventually(&format!("job {id} reaches {state}"), || {
            let store = store.clone();
            async move {
                let job = store.job_get(id).await.ok().flatten()?;
                (job.state == state).then_some(job)
            }
        })
        .await
    }

    pub async fn cleanup(self) {
        self.db.close().await.ok();
        let admin = Database::connect(admin_url())
            .await
            .expect("connect to the admin database");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .expect("drop database");
    }
}

/// Polls `check` every 20 ms until it returns `Some`, failing the test after 20 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A worker running in the background until `stop` is called.
pub struct RunningWorker {
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<tranq::Result<()>>,
}

impl RunningWorker {
    pub async fn stop(mut self) -> tranq::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.handle.await.expect("worker task")
    }
}

pub fn fast_backoff() -> Backoff {
    Backoff::exponential(Duration::from_millis(10), Duration::from_millis(40))
}

/// Starts `builder`'s worker in the background.
pub fn start(builder: tranq::WorkerBuilder) -> RunningWorker {
    let worker = builder.build().expect("worker builds");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run_until(async move {
        let _ = rx.await;
    }));
    RunningWorker {
        stop: Some(tx),
        handle,
    }
}

/// A worker on queue `default` with quick polling and backoff, for tests.
pub fn worker(t: &TestDb, concurrency: u32) -> tranq::WorkerBuilder {
    tranq::Worker::builder(t.store())
        .queue("default", concurrency)
        .poll_interval(Duration::from_millis(100))
        .backoff(fast_backoff())
}

/// What test tasks record when they run: (test key, job id, attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub key: String,
    pub job: JobId,
    pub attempt: u32,
    pub at: Instant,
}

static RUNS: Mutex<Vec<Run>> = Mutex::new(Vec::new());

pub fn record(key: &str, job: JobId, attempt: u32) {
    RUNS.lock().unwrap().push(Run {
        key: key.to_owned(),
        job,
        attempt,
        at: Instant::now(),
    });
}

/// Every run recorded under `key`, in order.
pub fn runs(key: &str) -> Vec<Run> {
    RUNS.lock()
        .unwrap()
        .iter()
        .filter(|r| r.key == key)
        .cloned()
        .collect()
}

/// Log lines captured from the worker (for "reported" checks).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
