//! The tranq demo: an axum shop on a SQLite file (or PostgreSQL) with SeaORM. Each
//! `POST /orders` inserts the order and enqueues `send_invoice` in the same transaction; one
//! order in ten fails after the insert and rolls back; the invoice task fails now and then and
//! is retried; the worker process is SIGKILLed mid-run and started again. The closing table
//! shows that no committed order lost its invoice and no rolled-back order got one.
//!
//! Run with `bash scripts/demo.sh`, or
//! `cargo run --release -p demo -- [--orders N] [--database-url URL]`
//! (default: 2000 orders on a fresh SQLite file in the temp dir; `postgres://…` works too).

mod chaos;
mod clock;
mod db;
mod driver;
mod entities;
mod monitor;
mod progress;
mod report;
mod shop;
mod supervisor;
mod tasks;
mod worker;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::monitor::Setup;
use crate::progress::Progress;
use crate::shop::Server;
use crate::supervisor::WorkerProcess;

type Error = Box<dyn std::error::Error>;

/// Orders through an axum shop, invoices through tranq, a worker killed on the way: nothing
/// committed is lost, nothing rolled back runs.
#[derive(Debug, Parser)]
#[command(name = "demo")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Database to run on [default: a fresh SQLite file in the temp dir]. PostgreSQL works
    /// too, e.g. postgres://postgres@127.0.0.1:5432/test (the demo's tables are recreated).
    #[arg(long)]
    database_url: Option<String>,
    /// How many orders to place.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    orders: u64,
    /// Orders per second, arriving steadily as in a shop; 0 sends them as fast as the shop
    /// answers (8 at a time), which turns pickup latency into the length of the backlog.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs only the worker (the demo starts this itself as a child process).
    Worker {
        /// Database to take jobs from.
        #[arg(long, env = worker::DATABASE_URL_ENV)]
        database_url: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker_process = cli.command.is_some();
    // The worker logs every failed attempt, and the demo makes failures on purpose: its table
    // counts them instead. RUST_LOG=warn (or info) shows them.
    let quiet = if worker_process { "error" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(quiet)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .init();
    let result = match cli.command {
        Some(Command::Worker { database_url }) => worker::run(&database_url).await.map(|()| true),
        None => {
            let url = cli.database_url.unwrap_or_else(db::default_url);
            demo(url, cli.orders, cli.rate).await
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            let who = if worker_process {
                "demo worker"
            } else {
                "demo"
            };
            eprintln!("{who}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The whole demo; true when every invariant held.
async fn demo(url: String, orders: u64, rate: f64) -> Result<bool, Error> {
    let pace = if rate > 0.0 {
        format!(" at {rate}/s")
    } else {
        String::new()
    };
    println!("tranq demo: {orders} orders{pace} through an axum shop, invoices as tranq jobs");
    let shown = tranq::internal::redact_url(&url);
    println!("database: {shown}");
    let db = db::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to {shown}: {e}"))?;
    tranq::sea_orm::migrate(&db).await?;
    db::reset(&db).await?;

    let started = Instant::now();
    let ui = Progress::new(orders);
    let worker = WorkerProcess::start(&url, &ui).await?;
    ui.println(format!("started worker process {}", worker.pid()));
    let server = Server::start(db.clone()).await?;
    let setup = Setup {
        db: &db,
        ui: &ui,
        url: &url,
        shop_url: server.url(),
        orders,
        rate,
    };
    let (run, worker) = monitor::run(setup, worker).await?;
    ui.finish();
    let stopped = worker.stop().await;
    server.stop().await?;
    let report = report::collect(&db, &run, rate, started.elapsed()).await?;
    report.print();
    stopped?;
    Ok(report.ok())
}
