//! Chaos rounds against tranq, on a private PostgreSQL server (the default: it can be
//! restarted), the shared PostgreSQL or MariaDB server (connections cut), or SQLite.
//!
//! Run with `cargo run --release -p chaos -- --rounds 20 --jobs 300 --workers 3`.
//!
//! Each round enqueues jobs in transactions (about one in five rolled back), keeps `--workers`
//! worker processes running, SIGKILLs or SIGTERMs some at random, and restarts the database or
//! cuts every connection to it. At the end it waits until every committed job ran, stops the
//! workers and prints one line:
//!
//! `CHAOS rounds=… committed=… completed=… lost=0 ghost=0 double_while_leased=0 max_rescue_latency_ms=…`
//!
//! The workers are those of the crash tests (`tests/crash/child.rs`). Every run of a job is
//! logged by the job itself in the database under test (`crash_runs`, the run log of the crash
//! tests): `double_while_leased` counts runs that started while an earlier
//! run of the same job was still going in a live process, `max_rescue_latency_ms` is the longest
//! wait from a SIGKILL to the next run of a job the killed process was running. The exit status
//! is non-zero when a job was lost, a ghost ran, or a job ran twice at once.

#[allow(dead_code, unreachable_pub)]
#[path = "../../../tests/crash/child.rs"]
mod child;
mod database;
mod driver;
mod fleet;
#[allow(unreachable_pub)]
#[path = "../../../tests/support/private_pg.rs"]
mod private_pg;
#[allow(unreachable_pub)]
#[path = "../../../tests/crash/runs.rs"]
mod runs;
#[path = "../../../tests/support/url.rs"]
mod url;

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(about = "Chaos rounds against tranq workers")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A worker process, started by the driver with its settings in the environment: the
    /// worker of the crash tests (`tests/crash/child.rs`).
    Worker,
}

/// Where the chaos runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Target {
    /// A private PostgreSQL 15 server this run starts, restarts and removes.
    PrivatePostgres,
    /// A fresh database on the server of TRANQ_TEST_POSTGRES_URL; connections are terminated.
    Postgres,
    /// A fresh database on the server of TRANQ_TEST_MYSQL_URL; connections are KILLed.
    Mysql,
    /// A file under target/; only processes are killed.
    Sqlite,
}

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RunArgs {
    /// The database to run against.
    #[arg(long, value_enum, default_value = "private-postgres")]
    pub(crate) database: Target,
    /// Rounds of enqueue, kill, disturb.
    #[arg(long, default_value_t = 10)]
    pub(crate) rounds: u32,
    /// Jobs enqueued per round (committed or rolled back).
    #[arg(long, default_value_t = 200)]
    pub(crate) jobs: u32,
    /// Worker processes kept running.
    #[arg(long, default_value_t = 3)]
    pub(crate) workers: u32,
    /// Lease of the workers, in ms: longer than any database outage of a round, so that a
    /// live worker's lease never expires.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) lease_ms: u64,
    /// Seed of the random choices (default: the time).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// At the end, how long to wait for the next job to complete before giving up on the rest
    /// (they count as lost), in seconds.
    #[arg(long, default_value_t = 60)]
    pub(crate) stall_secs: u64,
}

impl RunArgs {
    fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms)
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Worker) => {
            child::run().await;
            std::process::ExitCode::SUCCESS
        }
        None => driver::run(cli.run).await,
    }
}
