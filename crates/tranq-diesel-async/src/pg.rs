//! PostgreSQL through diesel-async's `AsyncPgConnection` (tokio-postgres).

use std::pin::pin;

use diesel::QueryResult;
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures::future::{self, BoxFuture};
use futures::{FutureExt, StreamExt};
use tranq_core::{Dialect, Error, Notifications, Query, Result, Row};
use tranq_diesel::shared::{LoadRows, Shape, Shaped, bind, by_shape, unknown_shape};

use crate::{Manager, StoreConnection, TranqAsyncConnection};

impl TranqAsyncConnection for AsyncPgConnection {
    const DIALECT: Dialect = Dialect::Postgres;

    fn tranq_execute<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<u64>> {
        let q = bind::<Pg>(query);
        async move {
            let n = q.execute(self).await?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        }
        .boxed()
    }

    fn tranq_fetch<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<Vec<Row>>> {
        let load = Load {
            conn: self,
            query: bind::<Pg>(query),
        };
        by_shape(query.shape, load)
            .unwrap_or_else(|| future::ready(Err(unknown_shape(query.shape))).boxed())
    }
}

struct Load<'a> {
    conn: &'a mut AsyncPgConnection,
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
}

impl<'a> LoadRows<Pg> for Load<'a> {
    type Output = BoxFuture<'a, QueryResult<Vec<Row>>>;

    fn load<S: Shape>(self) -> Self::Output
    where
        Shaped<S>: QueryableByName<Pg>,
    {
        async move {
            let rows: Vec<Shaped<S>> = self.query.load(self.conn).await?;
            Ok(rows.into_iter().map(Into::into).collect())
        }
        .boxed()
    }

    fn nothing(self) -> Self::Output {
        async move { self.query.execute(self.conn).await.map(|_| Vec::new()) }.boxed()
    }
}

impl StoreConnection for AsyncPgConnection {
    /// `LISTEN` on a dedicated connection (outside the pool), read through diesel-async's
    /// notification stream; the stream ends when that connection drops.
    fn listen<'a>(
        pool: &'a bb8::Pool<Manager<Self>>,
        channel: &'static str,
    ) -> BoxFuture<'a, Result<Option<Notifications>>> {
        async move {
            let mut conn = pool.dedicated_connection().await.map_err(Error::database)?;
            conn.batch_execute(&listen_statement(channel))
                .await
                .map_err(Error::database)?;
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

/// `LISTEN "channel"`, the channel quoted as an identifier.
fn listen_statement(channel: &str) -> String {
    format!("LISTEN \"{}\"", channel.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_channel_is_quoted() {
        assert_eq!(
            super::listen_statement("tranq_jobs"),
            r#"LISTEN "tranq_jobs""#
        );
        assert_eq!(super::listen_statement(r#"a"b"#), r#"LISTEN "a""b""#);
    }
}
