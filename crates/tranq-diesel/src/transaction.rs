//! A transaction held on one pooled connection across awaits: migrations, and on MariaDB every
//! lock-update-read of the store (claims, completions, heartbeats, rescues) and its inserts.

use async_trait::async_trait;
use diesel::connection::{Connection, TransactionManager};
use diesel::r2d2::{ConnectionManager, PooledConnection};
use tranq_core::{Error, Query, Result, Row, Transaction};

use crate::StoreConnection;
use crate::blocking::blocking;

/// An open transaction. The connection moves into each blocking call and comes back with its
/// result.
///
/// Dropped without `commit`, the connection goes back to the pool with its transaction open;
/// r2d2 then finds it broken (Diesel's `is_broken`) and closes it, which rolls back.
pub(crate) struct DieselTransaction<C: StoreConnection> {
    conn: Option<PooledConnection<ConnectionManager<C>>>,
}

impl<C: StoreConnection> DieselTransaction<C> {
    pub(crate) fn new(conn: PooledConnection<ConnectionManager<C>>) -> Self {
        DieselTransaction { conn: Some(conn) }
    }

    async fn run<R, F>(&mut self, f: F) -> Result<R>
    where
        F: FnOnce(&mut C) -> diesel::QueryResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let mut conn = self.conn.take().ok_or_else(|| {
            Error::database_message("the transaction's connection was lost by an earlier call")
        })?;
        let (conn, result) = blocking(move || {
            let result = f(&mut conn).map_err(Error::database);
            Ok((conn, result))
        })
        .await?;
        self.conn = Some(conn);
        result
    }
}

#[async_trait]
impl<C: StoreConnection> Transaction for DieselTransaction<C> {
    async fn execute(&mut self, query: &Query) -> Result<u64> {
        let query = query.clone();
        self.run(move |conn| conn.tranq_execute(&query)).await
    }

    async fn fetch(&mut self, query: &Query) -> Result<Vec<Row>> {
        let query = query.clone();
        self.run(move |conn| conn.tranq_fetch(&query)).await
    }

    async fn execute_script(&mut self, sql: &str) -> Result<()> {
        let sql = sql.to_owned();
        self.run(move |conn| conn.batch_execute(&sql)).await
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        self.run(|conn| <C as Connection>::TransactionManager::commit_transaction(conn))
            .await
    }
}
