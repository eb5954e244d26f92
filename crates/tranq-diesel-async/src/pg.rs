//! PostgreSQL through diesel-async's `AsyncPgConnection` (tokio-postgres): the one database
//! that pushes wake-ups.

use std::pin::pin;

use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use tranq_core::{Dialect, Error, Notifications, Result};

use crate::{Manager, StoreConnection};

impl StoreConnection for AsyncPgConnection {
    /// `LISTEN` on a dedicated connection (outside the pool), read through diesel-async's
    /// notification stream; the stream ends when that connection drops.
    fn listen<'a>(
        pool: &'a bb8::Pool<Manager<Self>>,
        _channel: &'static str,
    ) -> BoxFuture<'a, Result<Option<Notifications>>> {
        async move {
            // The LISTEN statement (on tranq's channel) comes from tranq-core's SQL files.
            let Some(listen) = Dialect::Postgres.listen_sql() else {
                return Ok(None);
            };
            let mut conn = pool.dedicated_connection().await.map_err(Error::database)?;
            conn.batch_execute(listen).await.map_err(Error::database)?;
            let stream = futures::stream::unfold(conn, |mut conn| async move {
                let next = pin!(conn.notifications_stream()).next().await;
                next.map(|n| (n, conn))
            })
            .map(|n| n.map(|n| n.payload).map_err(Error::database));
            Ok(Some(stream.boxed()))
        }
        .boxed()
    }
}
