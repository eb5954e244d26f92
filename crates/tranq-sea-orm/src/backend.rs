//! [`Backend`] over a SeaORM `DatabaseConnection` (a pool).

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tranq_core::{Backend, Dialect, Error, Notifications, Query, Result, Row, Transaction};

use crate::exec;

/// A SeaORM connection pool that tranq's [`SqlStore`](tranq_core::SqlStore) runs queries on.
#[derive(Debug, Clone)]
pub struct SeaOrmBackend {
    db: DatabaseConnection,
}

impl From<DatabaseConnection> for SeaOrmBackend {
    fn from(db: DatabaseConnection) -> Self {
        SeaOrmBackend { db }
    }
}

impl SeaOrmBackend {
    /// The pool.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl Backend for SeaOrmBackend {
    fn dialect(&self) -> Dialect {
        // Only backends `exec::dialect` accepts can be built into a store (see `listen`); a store
        // over another backend fails on its first query with `Error::Unsupported`.
        exec::dialect(self.db.get_database_backend()).unwrap_or(Dialect::Postgres)
    }
    async fn execute(&self, query: &Query) -> Result<u64> {
        exec::dialect(self.db.get_database_backend())?;
        exec::execute(&self.db, query).await
    }
    async fn fetch(&self, query: &Query) -> Result<Vec<Row>> {
        exec::dialect(self.db.get_database_backend())?;
        exec::fetch(&self.db, query).await
    }
    /// A writing transaction: on SQLite `BEGIN IMMEDIATE` (as
    /// [`Dialect::begin_write_sql`] says), which waits out the busy timeout for the write lock;
    /// a deferred one that read first fails at once when another connection wrote meanwhile.
    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self
            .db
            .begin_with_options(options)
            .await
            .map_err(Error::database)?;
        Ok(Box::new(SeaOrmTransaction(txn)))
    }
    async fn listen(&self, channel: &'static str) -> Result<Option<Notifications>> {
        crate::listen::listen(&self.db, channel).await
    }
}

struct SeaOrmTransaction(DatabaseTransaction);

#[async_trait]
impl Transaction for SeaOrmTransaction {
    async fn execute(&mut self, query: &Query) -> Result<u64> {
        exec::execute(&self.0, query).await
    }
    async fn fetch(&mut self, query: &Query) -> Result<Vec<Row>> {
        exec::fetch(&self.0, query).await
    }
    async fn execute_script(&mut self, sql: &str) -> Result<()> {
        self.0
            .execute_unprepared(sql)
            .await
            .map(|_| ())
            .map_err(Error::database)
    }
    async fn commit(self: Box<Self>) -> Result<()> {
        self.0.commit().await.map_err(Error::database)
    }
}
