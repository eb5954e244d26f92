//! [`Backend`] over an r2d2 pool of Diesel connections.

use async_trait::async_trait;
use diesel::r2d2::{ConnectionManager, Pool};
use tranq_core::{
    Backend, Dialect, Error, InsertIds, Notifications, Query, Result, Row, Transaction,
};

use crate::StoreConnection;
use crate::blocking::blocking;
use crate::transaction::DieselTransaction;

/// An r2d2 pool of Diesel connections that tranq's [`SqlStore`](tranq_core::SqlStore) runs
/// queries on. Each call takes a connection on tokio's blocking thread pool.
pub struct DieselBackend<C: StoreConnection> {
    pool: Pool<ConnectionManager<C>>,
}

impl<C: StoreConnection> From<Pool<ConnectionManager<C>>> for DieselBackend<C> {
    fn from(pool: Pool<ConnectionManager<C>>) -> Self {
        DieselBackend { pool }
    }
}

impl<C: StoreConnection> Clone for DieselBackend<C> {
    fn clone(&self) -> Self {
        DieselBackend {
            pool: self.pool.clone(),
        }
    }
}

impl<C: StoreConnection> std::fmt::Debug for DieselBackend<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselBackend")
            .field("pool", &self.pool)
            .finish()
    }
}

impl<C: StoreConnection> DieselBackend<C> {
    /// The pool.
    pub fn pool(&self) -> &Pool<ConnectionManager<C>> {
        &self.pool
    }

    /// Runs `f` on a pooled connection, off the async threads.
    async fn with_connection<R, F>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut C) -> diesel::QueryResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool.clone();
        blocking(move || {
            let mut conn = pool.get().map_err(Error::database)?;
            f(&mut conn).map_err(Error::database)
        })
        .await
    }
}

#[async_trait]
impl<C: StoreConnection> Backend for DieselBackend<C> {
    fn dialect(&self) -> Dialect {
        C::DIALECT
    }

    fn insert_ids(&self) -> InsertIds {
        C::INSERT_IDS
    }

    async fn execute(&self, query: &Query) -> Result<u64> {
        let query = query.clone();
        self.with_connection(move |conn| conn.tranq_execute(&query))
            .await
    }

    async fn fetch(&self, query: &Query) -> Result<Vec<Row>> {
        let query = query.clone();
        self.with_connection(move |conn| conn.tranq_fetch(&query))
            .await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let pool = self.pool.clone();
        let conn = blocking(move || {
            let mut conn = pool.get().map_err(Error::database)?;
            conn.begin_store_transaction().map_err(Error::database)?;
            Ok(conn)
        })
        .await?;
        Ok(Box::new(DieselTransaction::new(conn)))
    }

    /// Sync Diesel has no notification stream: workers poll.
    async fn listen(&self, _channel: &'static str) -> Result<Option<Notifications>> {
        Ok(None)
    }
}
