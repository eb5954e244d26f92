//! `tranq`: the command-line tool of the tranq job queue.
//!
//! ```text
//! tranq migrate --database-url postgres://...
//! tranq bench   --database-url postgres://.../fresh_db --jobs 20000 --workers 1 --concurrency 24
//! ```

mod bench;

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
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
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
        Command::Migrate { database_url } => {
            let db = sea_orm::Database::connect(&database_url).await?;
            tranq::sea_orm::migrate(&db).await?;
            eprintln!("tranq: schema is up to date");
            Ok(())
        }
        Command::Bench(args) => bench::run(args).await,
    }
}
