//! [`Backend`] over a bb8 pool of diesel-async connections.

use async_trait::async_trait;
use diesel_async::pooled_connection::PoolError;
use tranq_core::{Backend, Dialect, Error, Notifications, Query, Result, Row, Transaction};

use crate::transaction::AsyncDieselTransaction;
use crate::{Manager, StoreConnection};

/// A bb8 pool of diesel-async connections that tranq's [`SqlStore`](tranq_core::SqlStore) runs
/// queries on.
pub struct AsyncDieselBackend<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    pool: bb8::Pool<Manager<C>>,
}

impl<C> From<bb8::Pool<Manager<C>>> for AsyncDieselBackend<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    fn from(pool: bb8::Pool<Manager<C>>) -> Self {
        AsyncDieselBackend { pool }
    }
}

impl<C> Clone for AsyncDieselBackend<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    fn clone(&self) -> Self {
        AsyncDieselBackend {
            pool: self.pool.clone(),
        }
    }
}

impl<C> std::fmt::Debug for AsyncDieselBackend<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncDieselBackend")
            .field("pool", &self.pool)
            .finish()
    }
}

impl<C> AsyncDieselBackend<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    /// The pool.
    pub fn pool(&self) -> &bb8::Pool<Manager<C>> {
        &self.pool
    }
}

#[async_trait]
impl<C> Backend for AsyncDieselBackend<C>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    fn dialect(&self) -> Dialect {
        C::DIALECT
    }

    async fn execute(&self, query: &Query) -> Result<u64> {
        let mut conn = self.pool.get().await.map_err(Error::database)?;
        conn.tranq_execute(query).await.map_err(Error::database)
    }

    async fn fetch(&self, query: &Query) -> Result<Vec<Row>> {
        let mut conn = self.pool.get().await.map_err(Error::database)?;
        conn.tranq_fetch(query).await.map_err(Error::database)
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let mut conn = self.pool.get_owned().await.map_err(Error::database)?;
        conn.begin_store_transaction()
            .await
            .map_err(Error::database)?;
        Ok(Box::new(AsyncDieselTransaction::<C>::new(conn)))
    }

    async fn listen(&self, channel: &'static str) -> Result<Option<Notifications>> {
        C::listen(&self.pool, channel).await
    }
}
