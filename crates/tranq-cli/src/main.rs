//! `tranq`: the command-line tool of the tranq job queue.
//!
//! ```text
//! tranq migrate --database-url postgres://...
//! tranq migrate --print --dialect postgres     # the SQL, for your own migration tool
//! tranq jobs list --queue billing --state discarded --limit 20 [--after ID] [--json]
//! tranq jobs show 42 [--json]                  # every attempt's error, args, result, times
//! tranq jobs retry 42 43                       # or cancel, discard
//! tranq jobs retry --all --task send_invoice --state discarded [--yes]
//! tranq queues [--json]                        # per queue: counts, oldest due wait, done/min
//! tranq stats [--watch --interval 2] [--json]  # the totals, once or redrawn in place
//! tranq dashboard --listen 127.0.0.1:8080 [--write-token T]  # the web dashboard
//! tranq bench   --database-url postgres://.../fresh_db --jobs 20000 --workers 1 --concurrency 24
//!               [--worker-processes 8]                     # workers in processes of their own
//!               [--relay-nats-url nats://127.0.0.1:4222]   # also the outbox relay's events/s
//! tranq relay   --database-url ... --nats-url nats://127.0.0.1:4222 [--ordered]
//! ```
//!
//! Every command that connects takes `--database-url` or `DATABASE_URL` (postgres://,
//! mysql://, sqlite://) and never prints its password. Every read command takes `--json`. The
//! exit codes (0 ok, 1 error, 2 usage, 3 no such job, 4 wrong state, 5 database not ready) are
//! in [`exit`].

mod bench;
mod bench_processes;
mod dashboard;
mod db;
mod exit;
mod jobs;
mod output;
mod queues;
mod relay;
mod relay_bench;
mod schema;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use exit::CliError;

/// The tranq command-line tool.
#[derive(Debug, Parser)]
#[command(name = "tranq", version, about, after_help = exit::EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates or upgrades tranq's tables (idempotent; safe from many processes at once).
    Migrate {
        /// Database to migrate, e.g. postgres://postgres@127.0.0.1:5432/app.
        #[arg(
            long,
            env = "DATABASE_URL",
            hide_env_values = true,
            required_unless_present = "dialect"
        )]
        database_url: Option<String>,
        /// Print the schema's SQL instead of applying it (for your own migration tool); the
        /// dialect comes from --dialect or the URL's scheme, and nothing is connected to.
        #[arg(long)]
        print: bool,
        /// With --print: the database dialect.
        #[arg(long, value_enum, requires = "print")]
        dialect: Option<schema::DialectArg>,
    },
    /// Lists and inspects jobs; retries, cancels or discards them by id or by filter.
    #[command(subcommand, after_help = exit::EXIT_CODES_HELP)]
    Jobs(jobs::JobsCommand),
    /// Each queue: jobs by state, how long its oldest due job has waited, jobs finished in the
    /// last minute.
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Queues(queues::QueuesArgs),
    /// The totals of every queue and the per-queue table, once or refreshed in place (--watch).
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Stats(queues::StatsArgs),
    /// Measures bulk enqueue, burn-down, pickup latency, `enqueue_in` cost and worker memory on
    /// an empty queue. Ends with one `RESULT enqueue=.. work=.. p50=.. p95=.. p99=..` line.
    Bench(bench::BenchArgs),
    /// One worker of `tranq bench --worker-processes`, started by the bench (not for use by hand).
    #[command(hide = true)]
    BenchWorker(bench_processes::ChildArgs),
    /// Serves the web dashboard: queues, jobs, failures; retry, cancel and discard with a
    /// write token (read-only without).
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Dashboard(dashboard::DashboardArgs),
    /// Publishes the events of the outbox relay (`tranq::relay::Publish` jobs) to NATS
    /// JetStream, each once per job id, until SIGTERM or Ctrl-C.
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Relay(relay::RelayArgs),
}

impl Command {
    /// The database URL given, for hiding its password in messages.
    fn database_url(&self) -> Option<&str> {
        match self {
            Command::Migrate { database_url, .. } => database_url.as_deref(),
            Command::Jobs(command) => Some(jobs::database_url(command)),
            Command::Queues(args) => Some(&args.db.database_url),
            Command::Stats(args) => Some(&args.db.database_url),
            Command::Bench(args) => Some(args.database_url()),
            Command::BenchWorker(args) => Some(&args.database_url),
            Command::Dashboard(args) => Some(&args.db.database_url),
            Command::Relay(args) => Some(&args.db.database_url),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Bad arguments exit with clap's code 2, before anything connects.
    let command = Cli::parse().command;
    let url = command.database_url().map(str::to_owned);
    match run(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.exit(url.as_deref()),
    }
}

async fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Migrate {
            print: true,
            dialect,
            database_url,
        } => {
            let dialect = match (dialect, database_url) {
                (Some(dialect), _) => dialect.into(),
                (None, Some(url)) => {
                    schema::dialect_of(&url).map_err(|e| CliError::Other(e.into()))?
                }
                (None, None) => {
                    return Err(CliError::Other("give --dialect or --database-url".into()));
                }
            };
            print!("{}", schema::sql(dialect));
            Ok(())
        }
        Command::Migrate { database_url, .. } => {
            let Some(database_url) = database_url else {
                return Err(CliError::Other(
                    "give --database-url (or DATABASE_URL)".into(),
                ));
            };
            let db = tranq::sea_orm::connect(&database_url).await?;
            tranq::sea_orm::migrate(&db).await?;
            eprintln!("tranq: schema is up to date");
            Ok(())
        }
        Command::Jobs(command) => jobs::run(command).await,
        Command::Queues(args) => queues::queues(args).await,
        Command::Stats(args) => queues::stats(args).await,
        Command::Bench(args) => bench::run(args).await.map_err(CliError::Other),
        Command::BenchWorker(args) => bench_processes::run_child(args)
            .await
            .map_err(CliError::Other),
        Command::Dashboard(args) => dashboard::run(args).await,
        Command::Relay(args) => relay::run(args).await,
    }
}
