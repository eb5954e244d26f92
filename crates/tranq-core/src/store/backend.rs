//! What an adapter implements: bind and execute a [`Query`], nothing more.

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::dialect::{Dialect, Query, Row};
use crate::error::Result;
use crate::last_insert_id::InsertIds;

/// Queue names pushed by the database when jobs become runnable.
pub type Notifications = BoxStream<'static, Result<String>>;

/// A database connection pool as tranq-core sees it. Implemented by each adapter crate.
///
/// Not for users to implement.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The dialect of the database behind the pool.
    fn dialect(&self) -> Dialect;
    /// How this backend learns the ids of inserted jobs: from `RETURNING` rows unless its
    /// client cannot read them.
    fn insert_ids(&self) -> InsertIds {
        InsertIds::Returning
    }
    /// Runs a statement; returns the number of rows affected.
    async fn execute(&self, query: &Query) -> Result<u64>;
    /// Runs a query; returns its rows, read as its [`Query::shape`] says.
    async fn fetch(&self, query: &Query) -> Result<Vec<Row>>;
    /// Starts a transaction on one connection of the pool.
    async fn begin(&self) -> Result<Box<dyn Transaction>>;
    /// Listens on `channel`, when the database can push notifications.
    async fn listen(&self, channel: &'static str) -> Result<Option<Notifications>>;
}

/// An open transaction; dropped without [`commit`](Transaction::commit) it rolls back.
#[async_trait]
pub trait Transaction: Send {
    /// Runs a statement.
    async fn execute(&mut self, query: &Query) -> Result<u64>;
    /// Runs a query.
    async fn fetch(&mut self, query: &Query) -> Result<Vec<Row>>;
    /// Runs a script of several statements without parameters (migrations).
    async fn execute_script(&mut self, sql: &str) -> Result<()>;
    /// Commits.
    async fn commit(self: Box<Self>) -> Result<()>;
}
