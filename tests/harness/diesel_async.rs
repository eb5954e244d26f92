//! The conformance harness for diesel-async on PostgreSQL, plus helpers for the adapter's own
//! tests in `tests/diesel_async_postgres.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use diesel::QueryResult;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::BigInt;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures::future::BoxFuture;
use tokio::sync::{Mutex, oneshot};
use tranq::diesel_async::{DieselAsync, Store, tranq_error};
use tranq::{EnqueueVia, JobId, NewJob};

use crate::conformance::databases::{Database, Postgres};
use crate::conformance::{End, Enqueued, Harness, OpenTx};

pub type PgPool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;

pub struct DieselAsyncPgHarness {
    handle: String,
    pub url: String,
    pub pool: PgPool,
    /// A connection of its own for enqueues, whose statements on tranq_jobs are counted.
    enqueue_conn: Arc<Mutex<AsyncPgConnection>>,
    statements: Arc<AtomicUsize>,
}

/// Counts statements that touch tranq's table.
fn counter(statements: Arc<AtomicUsize>) -> impl Instrumentation {
    move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event
            && query.to_string().contains("tranq_jobs")
        {
            statements.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn insert(
    conn: &mut AsyncPgConnection,
    jobs: Vec<NewJob>,
) -> BoxFuture<'_, QueryResult<Vec<JobId>>> {
    <DieselAsync as EnqueueVia<&mut AsyncPgConnection>>::insert(conn, Ok(jobs), Ok)
}

/// Why an enqueuing transaction did not commit.
enum NotCommitted {
    RolledBack(Vec<JobId>),
    Failed(diesel::result::Error),
}

impl From<diesel::result::Error> for NotCommitted {
    fn from(e: diesel::result::Error) -> Self {
        NotCommitted::Failed(e)
    }
}

#[async_trait]
impl Harness for DieselAsyncPgHarness {
    type Adapter = DieselAsync;
    type Store = Store<AsyncPgConnection>;

    fn pair() -> &'static str {
        "diesel-async/postgres"
    }

    async fn empty(test: &str) -> Self {
        let (url, handle) = Postgres::create(test).await;
        let pool = bb8::Pool::builder()
            .max_size(8)
            .build(AsyncDieselConnectionManager::<AsyncPgConnection>::new(&url))
            .await
            .expect("pool");
        let mut enqueue_conn = AsyncPgConnection::establish(&url).await.expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        enqueue_conn.set_instrumentation(counter(statements.clone()));
        DieselAsyncPgHarness {
            handle,
            url,
            pool,
            enqueue_conn: Arc::new(Mutex::new(enqueue_conn)),
            statements,
        }
    }

    async fn migrate(&self) -> tranq::Result<()> {
        tranq::diesel_async::migrate(&self.pool).await
    }

    fn store(&self) -> Self::Store {
        Store::new(self.pool.clone())
    }

    async fn enqueue(&self, jobs: Vec<NewJob>, end: End) -> tranq::Result<Enqueued> {
        let mut conn = self.enqueue_conn.lock().await;
        let before = self.statements.load(Ordering::SeqCst);
        let result = conn
            .transaction::<_, NotCommitted, _>(async move |conn| {
                let ids = insert(conn, jobs).await?;
                match end {
                    End::Commit => Ok(ids),
                    End::Rollback => Err(NotCommitted::RolledBack(ids)),
                }
            })
            .await;
        let ids = match result {
            Ok(ids) | Err(NotCommitted::RolledBack(ids)) => ids,
            Err(NotCommitted::Failed(e)) => return Err(tranq_error(e)),
        };
        Ok(Enqueued {
            ids,
            statements: Some(self.statements.load(Ordering::SeqCst) - before),
        })
    }

    async fn enqueue_open(&self, jobs: Vec<NewJob>) -> tranq::Result<(Vec<JobId>, OpenTx)> {
        let mut conn = self
            .pool
            .get_owned()
            .await
            .map_err(tranq::Error::database)?;
        let (ids_tx, ids_rx) = oneshot::channel::<tranq::Result<Vec<JobId>>>();
        let (commit_tx, commit_rx) = oneshot::channel::<()>();
        let holder = tokio::spawn(async move {
            let mut ids_tx = Some(ids_tx);
            let result = conn
                .transaction::<_, diesel::result::Error, _>(async |conn| {
                    let ids = insert(conn, jobs).await?;
                    if let Some(tx) = ids_tx.take() {
                        let _ = tx.send(Ok(ids));
                    }
                    let _ = commit_rx.await;
                    Ok(())
                })
                .await;
            match (result, ids_tx.take()) {
                (Err(e), Some(tx)) => {
                    let _ = tx.send(Err(tranq_error(e)));
                    Ok(())
                }
                (result, _) => result.map_err(tranq_error),
            }
        });
        let ids = ids_rx.await.expect("enqueue result")?;
        let commit = OpenTx(Box::new(move || {
            Box::pin(async move {
                let _ = commit_tx.send(());
                holder.await.expect("commit task")
            })
        }));
        Ok((ids, commit))
    }

    async fn execute(&self, sql: &str) {
        let mut conn = self.pool.get().await.expect("connection");
        conn.batch_execute(sql).await.expect("test SQL");
    }

    async fn scalar(&self, sql: &str) -> i64 {
        // Scoped: diesel-async's `RunQueryDsl` is implemented for every type and would shadow
        // methods such as `AtomicUsize::load` elsewhere in this file.
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.expect("connection");
        diesel::select(diesel::dsl::sql::<BigInt>(&format!("({sql})")))
            .get_result::<i64>(&mut conn)
            .await
            .expect("scalar query")
    }

    async fn cleanup(self) {
        drop(self.pool);
        drop(self.enqueue_conn);
        Postgres::drop(&self.handle).await;
    }
}
