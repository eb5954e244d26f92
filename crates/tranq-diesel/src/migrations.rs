//! tranq's schema as a `diesel_migrations` source, read from the same SQL files as
//! `migrate`.

use std::fmt;

use diesel::backend::Backend;
use diesel::connection::BoxableConnection;
use diesel::migration::{Migration, MigrationMetadata, MigrationName, MigrationVersion};
use tranq_core::Dialect;

use crate::shared::TranqBackend;

/// tranq's schema as a [`MigrationSource`](diesel::migration::MigrationSource), for applying it with `diesel_migrations` next to
/// your own migrations: `conn.run_pending_migrations(MIGRATIONS)`.
///
/// Versions are `0_tranq_0001`, `0_tranq_0002`, ...: they sort before Diesel's timestamped
/// versions and cannot collide with them. Diesel records them in `__diesel_schema_migrations`
/// (not in tranq's own `tranq_migrations`), so apply the schema either this way or with
/// `migrate`, not both.
///
/// ```no_run
/// # #[cfg(feature = "postgres")]
/// # fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use diesel::{Connection, PgConnection};
/// use diesel_migrations::MigrationHarness;
///
/// let mut conn = PgConnection::establish("postgres://localhost/app")?;
/// conn.run_pending_migrations(tranq_diesel::MIGRATIONS)?;
/// # Ok(()) }
/// # #[cfg(not(feature = "postgres"))] fn main() {}
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrations;

/// tranq's schema for `diesel_migrations`; see [`Migrations`].
pub const MIGRATIONS: Migrations = Migrations;

/// One of tranq's migrations as Diesel sees it.
struct TranqMigration {
    migration: tranq_core::Migration,
    version: String,
}

impl TranqMigration {
    fn all<DB: Backend>(dialect: Dialect) -> Vec<Box<dyn Migration<DB>>> {
        tranq_core::migrations(dialect)
            .iter()
            .map(|m| {
                Box::new(TranqMigration {
                    migration: *m,
                    version: format!("0_tranq_{:04}", m.version),
                }) as Box<dyn Migration<DB>>
            })
            .collect()
    }
}

impl<DB: Backend> Migration<DB> for TranqMigration {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> diesel::migration::Result<()> {
        conn.batch_execute(self.migration.up)?;
        Ok(())
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> diesel::migration::Result<()> {
        conn.batch_execute(self.migration.down)?;
        Ok(())
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        self
    }

    fn name(&self) -> &dyn MigrationName {
        self
    }
}

impl MigrationMetadata for TranqMigration {}

impl MigrationName for TranqMigration {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(&self.version)
    }
}

impl fmt::Display for TranqMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tranq_{}", self.migration.name)
    }
}

impl<DB: TranqBackend> diesel::migration::MigrationSource<DB> for Migrations {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<DB>>>> {
        Ok(TranqMigration::all(DB::DIALECT))
    }
}

#[cfg(all(test, feature = "postgres-backend"))]
mod tests {
    use super::*;
    use diesel::migration::MigrationSource;

    #[test]
    fn versions_follow_tranqs_and_sort_before_timestamps() {
        let all = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).unwrap_or_default();
        assert_eq!(all.len(), tranq_core::migrations(Dialect::Postgres).len());
        let first = &all[0];
        assert_eq!(
            first.name().version(),
            MigrationVersion::from("0_tranq_0001")
        );
        assert_eq!(first.name().to_string(), "tranq_0001_create_tranq_jobs");
        assert!(first.name().version() < MigrationVersion::from("20240101000000"));
    }
}
