//! The pool, and the tables created at startup (`app/db.py` and the lifespan's
//! `Base.metadata.create_all`).

use sea_orm::{ConnectionTrait, DatabaseConnection, Schema};

use crate::models::{invoice_email, order};

// ANCHOR: connect
/// Opens the pool. `tranq::sea_orm::connect` sets timeouts and says what is wrong with a bad URL.
pub async fn connect(url: &str) -> tranq::Result<DatabaseConnection> {
    tranq::sea_orm::connect(url).await
}

/// Creates tranq's schema and the app's tables, if missing.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    tranq::sea_orm::migrate(db).await?;
    let schema = Schema::new(db.get_database_backend());
    db.execute(
        schema
            .create_table_from_entity(order::Entity)
            .if_not_exists(),
    )
    .await?;
    db.execute(
        schema
            .create_table_from_entity(invoice_email::Entity)
            .if_not_exists(),
    )
    .await?;
    Ok(())
}
// ANCHOR_END: connect
