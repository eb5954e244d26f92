//! `tranq`: the command-line tool of the tranq job queue.
//!
//! ```text
//! tranq migrate --database-url postgres://...
//! tranq migrate --print --dialect postgres     # the SQL, for your own migration tool
//! tranq bench   --database-url postgres://.../fresh_db --jobs 20000 --workers 1 --concurrency 24
//! ```

mod bench;
mod schema;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// The tranq command-line tool.
#[derive(Debug, Parser)]
#[command(name = "tranq", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates or upgrades tranq's tables (idempotent; safe from many processes at once).
    Migrate {
        /// Database to migrate, e.g. postgres://postgres@127.0.0.1:5432/app.
        #[arg(long, env = "DATABASE_URL", required_unless_present = "dialect")]
        database_url: Option<String>,
        /// Print the schema's SQL instead of applying it (for your own migration tool); the
        /// dialect comes from --dialect or the URL's scheme, and nothing is connected to.
        #[arg(long)]
        print: bool,
        /// With --print: the database dialect.
        #[arg(long, value_enum, requires = "print")]
        dialect: Option<schema::DialectArg>,
    },
    /// Measures bulk enqueue, burn-down, pickup latency, `enqueue_in` cost and worker memory on
    /// an empty queue. Ends with one `RESULT enqueue=.. work=.. p50=.. p95=.. p99=..` line.
    Bench(bench::BenchArgs),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Migrate {
            print: true,
            dialect,
            database_url,
        } => {
            let dialect = match (dialect, database_url) {
                (Some(dialect), _) => dialect.into(),
                (None, Some(url)) => schema::dialect_of(&url)?,
                (None, None) => return Err("give --dialect or --database-url".into()),
            };
            print!("{}", schema::sql(dialect));
            Ok(())
        }
        Command::Migrate { database_url, .. } => {
            let Some(database_url) = database_url else {
                return Err("give --database-url (or DATABASE_URL)".into());
            };
            let db = sea_orm::Database::connect(&database_url).await?;
            tranq::sea_orm::migrate(&db).await?;
            eprintln!("tranq: schema is up to date");
            Ok(())
        }
        Command::Bench(args) => bench::run(args).await,
    }
}
