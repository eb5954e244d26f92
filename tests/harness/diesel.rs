//! The conformance harness for Diesel (sync), on any database it runs on, and its part of the
//! Diesel adapters' own tests ([`adapter`]).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use async_trait::async_trait;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::query_builder::SqlQuery;
use diesel::query_dsl::methods::LoadQuery;
use diesel::r2d2::{Builder, ConnectionManager, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel_migrations::MigrationHarness;
use tokio::sync::oneshot;
use tranq::JobId;
use tranq::diesel::{Store, StoreConnection, tranq_error};
use tranq::internal::NewJob;
use tranq::internal::diesel::{TranqConnection, insert_jobs};

use crate::conformance::databases::Database;
use crate::conformance::harness::{Effects, effect_sql};
use crate::conformance::tasks::{Note, key};
use crate::conformance::{End, Enqueued, Harness, OpenTx};
use adapter::{DieselApi, counter};

/// A database the Diesel adapter runs on, with its connection type.
pub trait DieselDatabase: Database {
    type Conn: StoreConnection;
    /// `diesel/<database>`.
    const PAIR: &'static str;
    /// Statements one enqueue of `jobs` jobs adds to the caller's transaction.
    fn enqueue_statements(_jobs: usize) -> usize {
        1
    }

    /// How the harness builds its pools.
    fn pool() -> Builder<ConnectionManager<Self::Conn>> {
        Pool::builder().max_size(8)
    }

    /// `ctx.complete_in(conn)`, on this database's concrete connection type.
    fn complete_in(
        ctx: &tranq::TaskContext,
        conn: &mut PooledConnection<ConnectionManager<Self::Conn>>,
    ) -> QueryResult<()>;
}

#[cfg(feature = "postgres")]
impl DieselDatabase for crate::conformance::databases::Postgres {
    type Conn = PgConnection;
    const PAIR: &'static str = "diesel/postgres";

    fn complete_in(ctx: &tranq::TaskContext, conn: &mut Conn<Self>) -> QueryResult<()> {
        ctx.complete_in(conn)
    }
}

#[cfg(feature = "mysql")]
impl DieselDatabase for crate::conformance::databases::MySql {
    type Conn = MysqlConnection;
    const PAIR: &'static str = "diesel/mysql";

    fn complete_in(ctx: &tranq::TaskContext, conn: &mut Conn<Self>) -> QueryResult<()> {
        ctx.complete_in(conn)
    }

    /// The insert and the `LAST_INSERT_ID()` read, and for a batch the lock-mode read first
    /// (under `innodb_autoinc_lock_mode` 0 or 1, MariaDB's default and this server's).
    fn enqueue_statements(jobs: usize) -> usize {
        if jobs == 1 { 2 } else { 3 }
    }

    /// Ids step by 3 from 2 on these connections, so that the suite checks that the
    /// `LAST_INSERT_ID()` path follows the server's step instead of assuming 1.
    fn pool() -> Builder<ConnectionManager<MysqlConnection>> {
        Pool::builder()
            .max_size(8)
            .connection_customizer(Box::new(SteppedIds))
    }
}

#[cfg(feature = "mysql")]
#[derive(Debug)]
struct SteppedIds;

#[cfg(feature = "mysql")]
impl diesel::r2d2::CustomizeConnection<MysqlConnection, diesel::r2d2::Error> for SteppedIds {
    fn on_acquire(&self, conn: &mut MysqlConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("SET SESSION auto_increment_increment = 3, auto_increment_offset = 2")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[cfg(feature = "sqlite")]
impl DieselDatabase for crate::conformance::databases::Sqlite {
    type Conn = SqliteConnection;
    const PAIR: &'static str = "diesel/sqlite";

    fn complete_in(ctx: &tranq::TaskContext, conn: &mut Conn<Self>) -> QueryResult<()> {
        ctx.complete_in(conn)
    }

    /// SQLite lets one writer in at a time: the others wait for it.
    fn pool() -> Builder<ConnectionManager<SqliteConnection>> {
        Pool::builder()
            .max_size(8)
            .connection_customizer(Box::new(tranq::diesel::SqliteSetup::default()))
    }
}

type Conn<D> = PooledConnection<ConnectionManager<<D as DieselDatabase>::Conn>>;

pub struct DieselHarness<D: DieselDatabase> {
    handle: String,
    pub url: String,
    pub pool: Pool<ConnectionManager<D::Conn>>,
    /// A connection of its own for enqueues, whose statements on tranq_jobs are counted.
    enqueue_conn: Arc<Mutex<Conn<D>>>,
    statements: Arc<AtomicUsize>,
    _db: PhantomData<D>,
}

fn insert<C: TranqConnection>(
    conn: &mut C,
    jobs: Vec<NewJob>,
) -> QueryResult<Vec<tranq::Enqueued>> {
    insert_jobs(conn, Ok(jobs), Ok)
}

/// Why an enqueuing transaction did not commit.
enum NotCommitted {
    RolledBack(Vec<tranq::Enqueued>),
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

/// One integer read with plain Diesel, not through the adapter.
#[derive(QueryableByName)]
struct Scalar {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[async_trait]
impl<D: DieselDatabase> Harness for DieselHarness<D>
where
    Conn<D>: TranqConnection,
    SqlQuery: for<'a> LoadQuery<'a, Conn<D>, Scalar>,
{
    type Store = Store<D::Conn>;
    type Backend = tranq::diesel::DieselBackend<D::Conn>;

    fn pair() -> &'static str {
        D::PAIR
    }

    fn enqueue_statements(jobs: usize) -> usize {
        D::enqueue_statements(jobs)
    }

    async fn empty(test: &str) -> Self {
        let (url, handle) = D::create(test).await;
        let (pool, enqueue_conn) = blocking({
            let url = url.clone();
            move || {
                let pool = D::pool().build(ConnectionManager::new(&url)).expect("pool");
                let single = D::pool()
                    .max_size(1)
                    .build(ConnectionManager::new(&url))
                    .expect("pool");
                (pool, single.get().expect("connect"))
            }
        })
        .await;
        let statements = Arc::new(AtomicUsize::new(0));
        let mut enqueue_conn = enqueue_conn;
        enqueue_conn.set_instrumentation(counter(statements.clone()));
        DieselHarness {
            handle,
            url,
            pool,
            enqueue_conn: Arc::new(Mutex::new(enqueue_conn)),
            statements,
            _db: PhantomData,
        }
    }

    async fn migrate(&self) -> tranq::Result<()> {
        tranq::diesel::migrate(&self.pool).await
    }

    fn store(&self) -> Self::Store {
        Store::new(self.pool.clone())
    }

    fn backend(&self) -> Self::Backend {
        self.pool.clone().into()
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
            Ok(Enqueued::new(
                ids,
                Some(statements.load(Ordering::SeqCst) - before),
            ))
        })
        .await
    }

    async fn enqueue_open(
        &self,
        jobs: Vec<NewJob>,
    ) -> tranq::Result<(Vec<tranq::Enqueued>, OpenTx)> {
        let pool = self.pool.clone();
        let (ids_tx, ids_rx) = oneshot::channel::<tranq::Result<Vec<tranq::Enqueued>>>();
        let (end_tx, end_rx) = mpsc::channel::<End>();
        let holder = tokio::task::spawn_blocking(move || -> tranq::Result<()> {
            let mut conn = pool.get().map_err(tranq::Error::database)?;
            let mut ids_tx = Some(ids_tx);
            let result = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let outcomes = insert(conn, jobs)?;
                if let Some(tx) = ids_tx.take() {
                    let _ = tx.send(Ok(outcomes));
                }
                match end_rx.recv() {
                    Ok(End::Commit) => Ok(()),
                    _ => Err(diesel::result::Error::RollbackTransaction),
                }
            });
            match (result, ids_tx.take()) {
                (Err(e), Some(tx)) => {
                    let _ = tx.send(Err(tranq_error(e)));
                    Ok(())
                }
                (Err(diesel::result::Error::RollbackTransaction), None) => Ok(()),
                (result, _) => result.map_err(tranq_error),
            }
        });
        let outcomes = ids_rx.await.expect("enqueue result")?;
        let end = OpenTx(Box::new(move |end| {
            Box::pin(async move {
                let _ = end_tx.send(end);
                holder.await.expect("commit task")
            })
        }));
        Ok((outcomes, end))
    }

    fn effects(&self) -> Effects {
        let pool = self.pool.clone();
        Effects(Arc::new(move |ctx| {
            let pool = pool.clone();
            Box::pin(blocking(move || {
                let mut conn = pool.get().map_err(tranq::Error::database)?;
                conn.transaction(|conn| {
                    conn.batch_execute(&effect_sql(&ctx))?;
                    D::complete_in(&ctx, conn)
                })
                .map_err(tranq_error)
            }))
        }))
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
        let sql = format!("SELECT ({sql}) AS value");
        blocking(move || {
            let mut conn = pool.get().expect("connection");
            diesel::sql_query(sql)
                .get_result::<Scalar>(&mut conn)
                .expect("scalar query")
                .value
        })
        .await
    }

    async fn cleanup(self) {
        let DieselHarness {
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
        D::drop(&handle).await;
    }
}

#[path = "diesel_adapter.rs"]
pub mod adapter;

#[async_trait]
impl<D: DieselDatabase> DieselApi for DieselHarness<D>
where
    D::Conn: MigrationHarness<<D::Conn as Connection>::Backend>,
    tranq::diesel::Migrations: MigrationSource<<D::Conn as Connection>::Backend>,
    DieselHarness<D>: Harness,
    for<'c> &'c mut D::Conn: tranq::Executor<
            tranq::diesel::Diesel,
            Output<JobId> = QueryResult<JobId>,
            Output<Vec<JobId>> = QueryResult<Vec<JobId>>,
        >,
{
    async fn enqueue_through_the_trait(&self, commit: &str, rollback: &str) -> Vec<JobId> {
        let pool = self.pool.clone();
        let (commit, rollback) = (key(commit), key(rollback));
        blocking(move || {
            let mut pooled = pool.get().unwrap();
            let conn: &mut D::Conn = &mut pooled;
            let rolled_back = conn.transaction::<(), _, _>(|conn| {
                Note::enqueue_in(&mut *conn, rollback.clone())?;
                Note::enqueue_many_in(&mut *conn, vec![rollback])?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(rolled_back.is_err());
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let mut ids = vec![Note::enqueue_in(&mut *conn, commit.clone())?];
                ids.extend(Note::enqueue_many_in(&mut *conn, vec![commit.clone(); 2])?);
                Note::builder().priority(2).enqueue_in(&mut *conn, commit)?;
                Ok(ids)
            })
            .unwrap()
        })
        .await
    }

    async fn enqueue_errors(&self) -> (tranq::Error, tranq::Error) {
        let pool = self.pool.clone();
        blocking(move || {
            let mut pooled = pool.get().unwrap();
            let conn: &mut D::Conn = &mut pooled;
            let invalid = Note::builder().queue("").enqueue_in(&mut *conn, key("x"));
            let missing = Note::enqueue_in(&mut *conn, key("x"));
            (
                tranq_error(invalid.unwrap_err()),
                tranq_error(missing.unwrap_err()),
            )
        })
        .await
    }

    async fn run_the_migrations_source(&self) -> (Vec<String>, usize) {
        let url = self.url.clone();
        blocking(move || {
            let mut conn = D::Conn::establish(&url).unwrap();
            adapter::apply_twice(&mut conn, tranq::diesel::MIGRATIONS)
        })
        .await
    }

    fn migrate_blocking(&self) -> Option<tranq::Result<()>> {
        Some(tranq::diesel::migrate_blocking::<D::Conn>(&self.url))
    }
}
