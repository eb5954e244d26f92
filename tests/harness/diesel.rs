//! The conformance harness for Diesel (sync) on PostgreSQL, plus helpers for the adapter's own
//! tests in `tests/diesel_postgres.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use async_trait::async_trait;
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::BigInt;
use tokio::sync::oneshot;
use tranq::diesel::{Diesel, Store, tranq_error};
use tranq::{EnqueueVia, JobId, NewJob};

use crate::conformance::databases::{Database, Postgres};
use crate::conformance::{End, Enqueued, Harness, OpenTx};

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

pub struct DieselPgHarness {
    handle: String,
    pub url: String,
    pub pool: PgPool,
    /// A connection of its own for enqueues, whose statements on tranq_jobs are counted.
    enqueue_conn: Arc<Mutex<PgConnection>>,
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

fn insert(conn: &mut PgConnection, jobs: Vec<NewJob>) -> QueryResult<Vec<JobId>> {
    <Diesel as EnqueueVia<&mut PgConnection>>::insert(conn, Ok(jobs), Ok)
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

/// Runs blocking Diesel work off the async threads.
pub async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

#[async_trait]
impl Harness for DieselPgHarness {
    type Adapter = Diesel;
    type Store = Store<PgConnection>;

    fn pair() -> &'static str {
        "diesel/postgres"
    }

    async fn empty(test: &str) -> Self {
        let (url, handle) = Postgres::create(test).await;
        let (pool, enqueue_conn) = blocking({
            let url = url.clone();
            move || {
                let pool = Pool::builder()
                    .max_size(8)
                    .build(ConnectionManager::<PgConnection>::new(&url))
                    .expect("pool");
                (pool, PgConnection::establish(&url).expect("connect"))
            }
        })
        .await;
        let statements = Arc::new(AtomicUsize::new(0));
        let mut enqueue_conn = enqueue_conn;
        enqueue_conn.set_instrumentation(counter(statements.clone()));
        DieselPgHarness {
            handle,
            url,
            pool,
            enqueue_conn: Arc::new(Mutex::new(enqueue_conn)),
            statements,
        }
    }

    async fn migrate(&self) -> tranq::Result<()> {
        tranq::diesel::migrate(&self.pool).await
    }

    fn store(&self) -> Self::Store {
        Store::new(self.pool.clone())
    }

    async fn enqueue(&self, jobs: Vec<NewJob>, end: End) -> tranq::Result<Enqueued> {
        let conn = self.enqueue_conn.clone();
        let statements = self.statements.clone();
        blocking(move || {
            let mut conn = conn.lock().unwrap();
            let before = statements.load(Ordering::SeqCst);
            let result = conn.transaction::<_, NotCommitted, _>(|conn| {
                let ids = insert(conn, jobs)?;
                match end {
                    End::Commit => Ok(ids),
                    End::Rollback => Err(NotCommitted::RolledBack(ids)),
                }
            });
            let ids = match result {
                Ok(ids) | Err(NotCommitted::RolledBack(ids)) => ids,
                Err(NotCommitted::Failed(e)) => return Err(tranq_error(e)),
            };
            Ok(Enqueued {
                ids,
                statements: Some(statements.load(Ordering::SeqCst) - before),
            })
        })
        .await
    }

    async fn enqueue_open(&self, jobs: Vec<NewJob>) -> tranq::Result<(Vec<JobId>, OpenTx)> {
        let pool = self.pool.clone();
        let (ids_tx, ids_rx) = oneshot::channel::<tranq::Result<Vec<JobId>>>();
        let (commit_tx, commit_rx) = mpsc::channel::<()>();
        let holder = tokio::task::spawn_blocking(move || -> tranq::Result<()> {
            let mut conn = pool.get().map_err(tranq::Error::database)?;
            let mut ids_tx = Some(ids_tx);
            let result = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let ids = insert(conn, jobs)?;
                if let Some(tx) = ids_tx.take() {
                    let _ = tx.send(Ok(ids));
                }
                let _ = commit_rx.recv();
                Ok(())
            });
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
        let pool = self.pool.clone();
        let sql = sql.to_owned();
        blocking(move || {
            let mut conn = pool.get().expect("connection");
            conn.batch_execute(&sql).expect("test SQL");
        })
        .await
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let pool = self.pool.clone();
        let sql = format!("({sql})");
        blocking(move || {
            let mut conn = pool.get().expect("connection");
            diesel::select(diesel::dsl::sql::<BigInt>(&sql))
                .get_result::<i64>(&mut conn)
                .expect("scalar query")
        })
        .await
    }

    async fn cleanup(self) {
        let DieselPgHarness {
            handle,
            pool,
            enqueue_conn,
            ..
        } = self;
        blocking(move || {
            drop(enqueue_conn);
            drop(pool);
        })
        .await;
        Postgres::drop(&handle).await;
    }
}
