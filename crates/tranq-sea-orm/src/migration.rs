//! tranq's schema as `sea-orm-migration` migrations, for users who run their own `Migrator`.

use sea_orm::ConnectionTrait;
use sea_orm_migration::async_trait::async_trait;
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager};
use tranq_core::{Dialect, Migration};

use crate::exec;

/// One tranq schema version as a SeaORM migration (named `tranq_0001_create_tranq_jobs`, ...).
#[derive(Debug)]
pub struct TranqMigration {
    name: String,
    version: i64,
}

/// tranq's migrations, oldest first, to append to your `Migrator::migrations()`.
///
/// They apply the same SQL files as [`migrate`](crate::migrate) (`migrations/<dialect>/`), in
/// the dialect of the connection the migrator runs on.
///
/// ```
/// use sea_orm_migration::prelude::*;
///
/// pub struct Migrator;
///
/// #[async_trait::async_trait]
/// impl MigratorTrait for Migrator {
///     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
///         let mut all: Vec<Box<dyn MigrationTrait>> = vec![/* your own migrations */];
///         all.extend(tranq_sea_orm::migrations());
///         all
///     }
/// }
/// let versions = tranq_core::migrations(tranq_core::Dialect::Sqlite).len();
/// assert_eq!(Migrator::migrations().len(), versions);
/// ```
pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    // Every dialect has the same versions; the SQL is chosen when the migration runs.
    tranq_core::migrations(Dialect::Postgres)
        .iter()
        .map(|m| {
            Box::new(TranqMigration {
                name: format!("tranq_{}", m.name),
                version: m.version,
            }) as Box<dyn MigrationTrait>
        })
        .collect()
}

impl TranqMigration {
    fn for_connection(&self, manager: &SchemaManager<'_>) -> Result<&'static Migration, DbErr> {
        let dialect = exec::dialect(manager.get_connection().get_database_backend())
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        tranq_core::migrations(dialect)
            .iter()
            .find(|m| m.version == self.version)
            .ok_or_else(|| {
                DbErr::Migration(format!(
                    "tranq migration {} is missing for {}",
                    self.version,
                    dialect.name()
                ))
            })
    }
}

impl MigrationName for TranqMigration {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait]
impl MigrationTrait for TranqMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let migration = self.for_connection(manager)?;
        manager
            .get_connection()
            .execute_unprepared(migration.up)
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let migration = self.for_connection(manager)?;
        manager
            .get_connection()
            .execute_unprepared(migration.down)
            .await
            .map(|_| ())
    }
}
