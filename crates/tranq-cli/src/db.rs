//! The `--database-url` every command that reads or steers jobs takes, and the store it opens.

use tranq::sea_orm::Store;

/// Where the jobs are.
#[derive(Debug, clap::Args)]
pub(crate) struct DbArgs {
    /// Database holding tranq's tables: postgres://user:password@host:5432/app,
    /// mysql://user:password@host:3306/app or sqlite://path/to/jobs.db. The password is never
    /// printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: String,
}

impl DbArgs {
    /// Connects. A URL that does not parse, names another database or cannot be reached gives
    /// [`tranq::Error::Connect`], its URL redacted. A SQLite file that does not exist is not
    /// created (unless the URL says `?mode=rwc`).
    pub(crate) async fn store(&self) -> tranq::Result<Store> {
        let db = tranq::sea_orm::connect(&self.database_url).await?;
        Ok(Store::new(db))
    }
}
