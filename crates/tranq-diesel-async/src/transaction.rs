//! A transaction held on one pooled connection across awaits (used by migrations, and on MySQL
//! by claims and batch updates, which have no `UPDATE ... RETURNING`).

use async_trait::async_trait;
use diesel_async::pooled_connection::PoolError;
use diesel_async::{AsyncConnection, TransactionManager};
use tranq_core::{Error, Query, Result, Row, Transaction};

use crate::{Manager, StoreConnection};

/// An open transaction on a connection taken out of the pool.
///
/// Dropped without `commit`, the connection goes back to the pool with its transaction open;
/// bb8 then finds it broken (diesel-async's `is_broken`) and closes it, which rolls back.
pub(crate) struct AsyncDieselTransaction<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    conn: bb8::PooledConnection<'static, Manager<C>>,
}

impl<C> AsyncDieselTransaction<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    pub(crate) fn new(conn: bb8::PooledConnection<'static, Manager<C>>) -> Self {
        AsyncDieselTransaction { conn }
    }
}

#[async_trait]
impl<C> Transaction for AsyncDieselTransaction<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    async fn execute(&mut self, query: &Query) -> Result<u64> {
        self.conn
            .tranq_execute(query)
            .await
            .map_err(Error::database)
    }

    async fn fetch(&mut self, query: &Query) -> Result<Vec<Row>> {
        self.conn.tranq_fetch(query).await.map_err(Error::database)
    }

    async fn execute_script(&mut self, sql: &str) -> Result<()> {
        (*self.conn)
            .batch_execute(sql)
            .await
            .map_err(Error::database)
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        <C as AsyncConnection>::TransactionManager::commit_transaction(&mut *self.conn)
            .await
            .map_err(Error::database)
    }
}
