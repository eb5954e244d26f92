//! The conformance harness for SeaORM, on any database SeaORM connects to.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait,
};
use tokio::sync::oneshot;
use tranq::internal::NewJob;
use tranq::internal::sea_orm::insert_jobs;
use tranq::sea_orm::Store;

use crate::conformance::databases::Database;
use crate::conformance::harness::{Effects, effect_sql};
use crate::conformance::{End, Enqueued, Harness, OpenTx};

pub struct SeaOrmHarness<D> {
    handle: String,
    db: DatabaseConnection,
    /// A second pool, used only for enqueues, whose statements are counted.
    enqueue_db: DatabaseConnection,
    statements: Arc<AtomicUsize>,
    _db: PhantomData<D>,
}

async fn insert(
    txn: &DatabaseTransaction,
    jobs: Vec<NewJob>,
) -> tranq::Result<Vec<tranq::Enqueued>> {
    insert_jobs(txn, Ok(jobs), Ok).await
}

#[async_trait]
impl<D: Database> Harness for SeaOrmHarness<D> {
    type Store = Store;
    type Backend = tranq::sea_orm::SeaOrmBackend;

    fn pair() -> &'static str {
        match D::name() {
            "postgres" => "sea-orm/postgres",
            "mysql" => "sea-orm/mysql",
            _ => "sea-orm/sqlite",
        }
    }

    async fn empty(test: &str) -> Self {
        let (url, handle) = D::create(test).await;
        // SeaORM gives SQLite one connection unless told otherwise; with WAL, readers and the
        // worker need their own while a writer holds a transaction open.
        let options = || {
            let mut options = sea_orm::ConnectOptions::new(url.clone());
            options.max_connections(8);
            options
        };
        let db = sea_orm::Database::connect(options())
            .await
            .expect("connect");
        let mut enqueue_db = sea_orm::Database::connect(options())
            .await
            .expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        enqueue_db.set_metric_callback(move |info| {
            if info.statement.sql.contains("tranq_jobs") {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        SeaOrmHarness {
            handle,
            db,
            enqueue_db,
            statements,
            _db: PhantomData,
        }
    }

    async fn migrate(&self) -> tranq::Result<()> {
        tranq::sea_orm::migrate(&self.db).await
    }

    fn store(&self) -> Store {
        Store::new(self.db.clone())
    }

    fn backend(&self) -> Self::Backend {
        self.db.clone().into()
    }

    async fn enqueue(&self, jobs: Vec<NewJob>, end: End) -> tranq::Result<Enqueued> {
        let txn = self
            .enqueue_db
            .begin()
            .await
            .map_err(tranq::Error::database)?;
        let before = self.statements.load(Ordering::SeqCst);
        let ids = insert(&txn, jobs).await?;
        let statements = self.statements.load(Ordering::SeqCst) - before;
        match end {
            End::Commit => txn.commit().await,
            End::Rollback => txn.rollback().await,
        }
        .map_err(tranq::Error::database)?;
        Ok(Enqueued::new(ids, Some(statements)))
    }

    async fn enqueue_open(
        &self,
        jobs: Vec<NewJob>,
    ) -> tranq::Result<(Vec<tranq::Enqueued>, OpenTx)> {
        let txn = self.db.begin().await.map_err(tranq::Error::database)?;
        let outcomes = insert(&txn, jobs).await?;
        let (tx, rx) = oneshot::channel::<End>();
        let holder = tokio::spawn(async move {
            match rx.await {
                Ok(End::Commit) => txn.commit().await,
                _ => txn.rollback().await,
            }
            .map_err(tranq::Error::database)
        });
        let end = OpenTx(Box::new(move |end| {
            Box::pin(async move {
                let _ = tx.send(end);
                holder.await.expect("commit task")
            })
        }));
        Ok((outcomes, end))
    }

    fn effects(&self) -> Effects {
        let db = self.db.clone();
        Effects(Arc::new(move |ctx| {
            let db = db.clone();
            Box::pin(async move {
                let txn = db.begin().await?;
                txn.execute_unprepared(&effect_sql(&ctx)).await?;
                match ctx.complete_in(&txn).await {
                    Ok(()) => Ok(txn.commit().await?),
                    Err(e) => {
                        txn.rollback().await?;
                        Err(e)
                    }
                }
            })
        }))
    }

    async fn execute(&self, sql: &str) {
        self.db.execute_unprepared(sql).await.expect("test SQL");
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .expect("scalar query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    async fn cleanup(self) {
        self.db.close().await.ok();
        self.enqueue_db.close().await.ok();
        D::drop(&self.handle).await;
    }
}
