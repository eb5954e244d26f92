//! The conformance harness for diesel-async, on any database it runs on, and its part of the
//! Diesel adapters' own tests ([`adapter`]).

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use diesel::QueryResult;
use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::query_builder::SqlQuery;
use diesel::sql_types::BigInt;
use diesel_async::methods::LoadQuery;
use diesel_async::pooled_connection::PoolError;
use diesel_async::{
    AsyncConnection, AsyncConnectionCore, AsyncMigrationHarness, SimpleAsyncConnection,
};
use diesel_migrations::MigrationHarness;
use futures::future::BoxFuture;
use tokio::sync::{Mutex, oneshot};
use tranq::JobId;
use tranq::diesel_async::{DieselAsync, Manager, Store, StoreConnection, tranq_error};
use tranq::internal::NewJob;
use tranq::internal::diesel_async::insert_jobs;

use crate::conformance::databases::Database;
use crate::conformance::harness::{Effects, effect_sql};
use crate::conformance::tasks::{Note, key};
use crate::conformance::{End, Enqueued, Harness, OpenTx};
use adapter::{DieselApi, counter};

/// A database the diesel-async adapter runs on, with its connection type.
pub trait DieselAsyncDatabase: Database {
    type Conn: StoreConnection;
    /// `diesel-async/<database>`.
    const PAIR: &'static str;

    /// How the harness builds its pools.
    fn pool() -> bb8::Builder<Manager<Self::Conn>>
    where
        Manager<Self::Conn>: bb8::ManageConnection,
    {
        bb8::Pool::builder().max_size(8)
    }

    /// `ctx.complete_in(conn)`, on this database's concrete connection type.
    fn complete_in<'c>(
        ctx: &tranq::TaskContext,
        conn: &'c mut Self::Conn,
    ) -> BoxFuture<'c, QueryResult<()>>;
}

#[cfg(feature = "postgres")]
impl DieselAsyncDatabase for crate::conformance::databases::Postgres {
    type Conn = diesel_async::AsyncPgConnection;
    const PAIR: &'static str = "diesel-async/postgres";

    fn complete_in<'c>(
        ctx: &tranq::TaskContext,
        conn: &'c mut Self::Conn,
    ) -> BoxFuture<'c, QueryResult<()>> {
        ctx.complete_in(conn)
    }
}

#[cfg(feature = "mysql")]
impl DieselAsyncDatabase for crate::conformance::databases::MySql {
    type Conn = diesel_async::AsyncMysqlConnection;
    const PAIR: &'static str = "diesel-async/mysql";

    fn complete_in<'c>(
        ctx: &tranq::TaskContext,
        conn: &'c mut Self::Conn,
    ) -> BoxFuture<'c, QueryResult<()>> {
        ctx.complete_in(conn)
    }
}

#[cfg(feature = "sqlite")]
pub type SqliteConn =
    diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection>;

#[cfg(feature = "sqlite")]
impl DieselAsyncDatabase for crate::conformance::databases::Sqlite {
    type Conn = SqliteConn;
    const PAIR: &'static str = "diesel-async/sqlite";

    fn complete_in<'c>(
        ctx: &tranq::TaskContext,
        conn: &'c mut Self::Conn,
    ) -> BoxFuture<'c, QueryResult<()>> {
        ctx.complete_in(conn)
    }

    /// SQLite lets one writer in at a time: the others wait for it.
    fn pool() -> bb8::Builder<Manager<SqliteConn>> {
        bb8::Pool::builder()
            .max_size(8)
            .connection_customizer(Box::new(tranq::diesel_async::SqliteSetup::default()))
    }
}

pub type Pool<D> = bb8::Pool<Manager<<D as DieselAsyncDatabase>::Conn>>;
type Pooled<D> = bb8::PooledConnection<'static, Manager<<D as DieselAsyncDatabase>::Conn>>;

pub struct DieselAsyncHarness<D: DieselAsyncDatabase>
where
    Manager<D::Conn>: bb8::ManageConnection,
{
    handle: String,
    pub url: String,
    pub pool: Pool<D>,
    /// A connection of its own for enqueues, whose statements on tranq_jobs are counted.
    enqueue_conn: Arc<Mutex<Pooled<D>>>,
    statements: Arc<AtomicUsize>,
    _db: PhantomData<D>,
}

fn insert<C: StoreConnection>(
    conn: &mut C,
    jobs: Vec<NewJob>,
) -> BoxFuture<'_, QueryResult<Vec<tranq::Enqueued>>> {
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

/// One integer read with plain diesel-async, not through the adapter.
#[derive(QueryableByName)]
pub struct Scalar {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[async_trait]
impl<D: DieselAsyncDatabase> Harness for DieselAsyncHarness<D>
where
    Manager<D::Conn>: bb8::ManageConnection<Connection = D::Conn, Error = PoolError>,
    SqlQuery: for<'a> LoadQuery<'a, D::Conn, Scalar>,
{
    type Store = Store<D::Conn>;
    type Backend = tranq::diesel_async::AsyncDieselBackend<D::Conn>;

    fn pair() -> &'static str {
        D::PAIR
    }

    async fn empty(test: &str) -> Self {
        let (url, handle) = D::create(test).await;
        let pool = D::pool().build(Manager::new(&url)).await.expect("pool");
        let single = D::pool()
            .max_size(1)
            .build(Manager::new(&url))
            .await
            .expect("pool");
        let mut enqueue_conn = single.get_owned().await.expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        enqueue_conn.set_instrumentation(counter(statements.clone()));
        DieselAsyncHarness {
            handle,
            url,
            pool,
            enqueue_conn: Arc::new(Mutex::new(enqueue_conn)),
            statements,
            _db: PhantomData,
        }
    }

    async fn migrate(&self) -> tranq::Result<()> {
        tranq::diesel_async::migrate(&self.pool).await
    }

    fn store(&self) -> Self::Store {
        Store::new(self.pool.clone())
    }

    fn backend(&self) -> Self::Backend {
        self.pool.clone().into()
    }

    async fn enqueue(&self, jobs: Vec<NewJob>, end: End) -> tranq::Result<Enqueued> {
        let mut conn = self.enqueue_conn.lock().await;
        let before = self.statements.load(Ordering::SeqCst);
        let result = (**conn)
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
        Ok(Enqueued::new(
            ids,
            Some(self.statements.load(Ordering::SeqCst) - before),
        ))
    }

    async fn enqueue_open(
        &self,
        jobs: Vec<NewJob>,
    ) -> tranq::Result<(Vec<tranq::Enqueued>, OpenTx)> {
        let mut conn = self
            .pool
            .get_owned()
            .await
            .map_err(tranq::Error::database)?;
        let (ids_tx, ids_rx) = oneshot::channel::<tranq::Result<Vec<tranq::Enqueued>>>();
        let (end_tx, end_rx) = oneshot::channel::<End>();
        let holder = tokio::spawn(async move {
            let mut ids_tx = Some(ids_tx);
            let result = (*conn)
                .transaction::<_, diesel::result::Error, _>(async |conn| {
                    let outcomes = insert(conn, jobs).await?;
                    if let Some(tx) = ids_tx.take() {
                        let _ = tx.send(Ok(outcomes));
                    }
                    match end_rx.await {
                        Ok(End::Commit) => Ok(()),
                        _ => Err(diesel::result::Error::RollbackTransaction),
                    }
                })
                .await;
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
            Box::pin(async move {
                let mut conn = pool.get_owned().await.map_err(tranq::Error::database)?;
                (*conn)
                    .transaction::<_, diesel::result::Error, _>(async |conn| {
                        conn.batch_execute(&effect_sql(&ctx)).await?;
                        D::complete_in(&ctx, conn).await
                    })
                    .await
                    .map_err(tranq_error)
            })
        }))
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
        diesel::sql_query(format!("SELECT ({sql}) AS value"))
            .get_result::<Scalar>(&mut *conn)
            .await
            .expect("scalar query")
            .value
    }

    async fn cleanup(self) {
        drop(self.pool);
        drop(self.enqueue_conn);
        D::drop(&self.handle).await;
    }
}

#[path = "diesel_adapter.rs"]
pub mod adapter;

#[async_trait]
impl<D: DieselAsyncDatabase> DieselApi for DieselAsyncHarness<D>
where
    Manager<D::Conn>: bb8::ManageConnection<Connection = D::Conn, Error = PoolError>,
    AsyncMigrationHarness<D::Conn>: MigrationHarness<<D::Conn as AsyncConnectionCore>::Backend>,
    tranq::diesel_async::Migrations: MigrationSource<<D::Conn as AsyncConnectionCore>::Backend>,
    DieselAsyncHarness<D>: Harness,
    for<'c> &'c mut D::Conn: tranq::Executor<DieselAsync>,
    for<'c> <&'c mut D::Conn as tranq::Executor<DieselAsync>>::Output<JobId>:
        Future<Output = QueryResult<JobId>> + Send,
    for<'c> <&'c mut D::Conn as tranq::Executor<DieselAsync>>::Output<Vec<JobId>>:
        Future<Output = QueryResult<Vec<JobId>>> + Send,
{
    async fn enqueue_through_the_trait(&self, commit: &str, rollback: &str) -> Vec<JobId> {
        let (commit, rollback) = (key(commit), key(rollback));
        let mut pooled = self.pool.get().await.unwrap();
        let conn: &mut D::Conn = &mut pooled;
        let rolled_back = conn
            .transaction::<(), diesel::result::Error, _>(async |conn| {
                Note::enqueue_in(&mut *conn, rollback.clone()).await?;
                Note::enqueue_many_in(&mut *conn, vec![rollback]).await?;
                Err(diesel::result::Error::RollbackTransaction)
            })
            .await;
        assert!(rolled_back.is_err());
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let mut ids = vec![Note::enqueue_in(&mut *conn, commit.clone()).await?];
            ids.extend(Note::enqueue_many_in(&mut *conn, vec![commit.clone(); 2]).await?);
            Note::builder()
                .priority(2)
                .enqueue_in(&mut *conn, commit)
                .await?;
            Ok(ids)
        })
        .await
        .unwrap()
    }

    async fn enqueue_errors(&self) -> (tranq::Error, tranq::Error) {
        let mut pooled = self.pool.get().await.unwrap();
        let conn: &mut D::Conn = &mut pooled;
        let invalid = Note::builder()
            .queue("")
            .enqueue_in(&mut *conn, key("x"))
            .await;
        let missing = Note::enqueue_in(&mut *conn, key("x")).await;
        (
            tranq_error(invalid.unwrap_err()),
            tranq_error(missing.unwrap_err()),
        )
    }

    async fn run_the_migrations_source(&self) -> (Vec<String>, usize) {
        let conn = D::Conn::establish(&self.url).await.unwrap();
        let mut harness = AsyncMigrationHarness::new(conn);
        adapter::apply_twice(&mut harness, tranq::diesel_async::MIGRATIONS)
    }

    fn migrate_blocking(&self) -> Option<tranq::Result<()>> {
        None
    }
}
