//! A claim locks only the jobs it takes: a worker whose claim transaction is still open does not
//! starve a worker that runs other tasks (the rolling deploy, where old and new binaries know
//! different tasks and share one backlog).

use std::time::{Duration, Instant};

use async_trait::async_trait;
use tranq::Dialect;
use tranq::internal::{
    Backend, ClaimParams, InsertIds, Notifications, Query, Row, SqlStore, Store, Transaction,
};

use crate::conformance::harness::{Harness, setup};

/// A backend whose transactions stay open `hold` before they commit: another worker's claim,
/// caught between its statements.
struct HeldOpen<B> {
    inner: B,
    hold: Duration,
}

#[async_trait]
impl<B: Backend> Backend for HeldOpen<B> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn insert_ids(&self) -> InsertIds {
        self.inner.insert_ids()
    }
    async fn execute(&self, query: &Query) -> tranq::Result<u64> {
        self.inner.execute(query).await
    }
    async fn fetch(&self, query: &Query) -> tranq::Result<Vec<Row>> {
        self.inner.fetch(query).await
    }
    async fn begin(&self) -> tranq::Result<Box<dyn Transaction>> {
        Ok(Box::new(HeldTransaction {
            inner: self.inner.begin().await?,
            hold: self.hold,
        }))
    }
    async fn listen(&self, channel: &'static str) -> tranq::Result<Option<Notifications>> {
        self.inner.listen(channel).await
    }
}

struct HeldTransaction {
    inner: Box<dyn Transaction>,
    hold: Duration,
}

#[async_trait]
impl Transaction for HeldTransaction {
    async fn execute(&mut self, query: &Query) -> tranq::Result<u64> {
        self.inner.execute(query).await
    }
    async fn fetch(&mut self, query: &Query) -> tranq::Result<Vec<Row>> {
        self.inner.fetch(query).await
    }
    async fn execute_script(&mut self, sql: &str) -> tranq::Result<()> {
        self.inner.execute_script(sql).await
    }
    async fn commit(self: Box<Self>) -> tranq::Result<()> {
        tokio::time::sleep(self.hold).await;
        self.inner.commit().await
    }
}

fn claim_of<'a>(tasks: &'a [&'a str]) -> ClaimParams<'a> {
    ClaimParams {
        queue: "default",
        tasks,
        limit: 3,
        worker_id: "w",
        lease: Duration::from_secs(60),
    }
}

pub async fn a_claim_locks_only_the_jobs_it_takes<H: Harness>() {
    let h: H = setup("claim_locks").await;
    match h.store().dialect() {
        Dialect::MySql => {}
        Dialect::Postgres => {
            eprintln!(
                "not_applicable on {}: a claim is one statement, never held open between statements",
                H::pair()
            );
            return h.cleanup().await;
        }
        _ => {
            eprintln!(
                "not_applicable on {}: one writer at a time, claims wait for each other by design",
                H::pair()
            );
            return h.cleanup().await;
        }
    }
    // The backlog: three jobs of task `y` first in claim order, then three of task `x`.
    for task in ["y", "y", "y", "x", "x", "x"] {
        h.execute(&format!(
            "INSERT INTO tranq_jobs (queue, task, args) VALUES ('default', '{task}', '{{}}')"
        ))
        .await;
    }
    // A worker that knows only `x` claims, and its transaction stays open for 3 s.
    let old_binary = SqlStore::<HeldOpen<H::Backend>>::new(HeldOpen {
        inner: h.backend(),
        hold: Duration::from_secs(3),
    });
    let x = tokio::spawn(async move { old_binary.job_claim(&claim_of(&["x"])).await });
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Meanwhile a worker that knows only `y` claims its jobs at once.
    let asked = Instant::now();
    let y = h.store().job_claim(&claim_of(&["y"])).await.unwrap();
    let waited = asked.elapsed();
    let tasks = |jobs: Vec<tranq::internal::ClaimedJob>| {
        jobs.into_iter().map(|j| j.task).collect::<Vec<_>>()
    };
    assert_eq!(tasks(y), vec!["y"; 3], "on {}", H::pair());
    assert!(
        waited < Duration::from_secs(2),
        "the y claim waited {waited:?} for the x claim's transaction"
    );
    let x = x.await.unwrap().unwrap();
    assert_eq!(tasks(x), vec!["x"; 3]);
    h.cleanup().await;
}
