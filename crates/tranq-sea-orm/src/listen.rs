//! LISTEN through the sqlx pool under SeaORM (Postgres only).

use sea_orm::DatabaseConnection;
use tranq_core::{Notifications, Result};

#[cfg(feature = "postgres")]
pub(crate) async fn listen(
    db: &DatabaseConnection,
    channel: &'static str,
) -> Result<Option<Notifications>> {
    use futures::StreamExt;
    use sea_orm::DbBackend;
    use tranq_core::Error;

    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let mut listener = sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool())
        .await
        .map_err(Error::database)?;
    listener.listen(channel).await.map_err(Error::database)?;
    let stream = listener
        .into_stream()
        .map(|n| n.map(|n| n.payload().to_owned()).map_err(Error::database));
    Ok(Some(stream.boxed()))
}

#[cfg(not(feature = "postgres"))]
pub(crate) async fn listen(
    _db: &DatabaseConnection,
    _channel: &'static str,
) -> Result<Option<Notifications>> {
    Ok(None)
}
