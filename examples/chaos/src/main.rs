//! Chaos rounds against tranq, on a private PostgreSQL server (the default: it can be
//! restarted), the shared PostgreSQL or MariaDB server (connections cut), or SQLite.
//!
//! Run with `cargo run --release -p chaos -- --rounds 20 --jobs 300 --workers 3`.
//!
//! Each round enqueues jobs in transactions (about one in five rolled back), keeps `--workers`
//! worker processes running, SIGKILLs or SIGTERMs some at random, or stalls one, and restarts
//! the database or cuts every connection to it. At the end it waits until every committed job
//! finished, stops the workers and prints one line:
//!
//! `CHAOS rounds=… committed=… completed=… lost=0 ghost=0 double_while_leased=0
//! dropped_outcomes=0 discarded_unrun=0 same_worker_overlaps=… snoozed_forever=… discarded=…
//! unclean_exits=0 max_rescue_latency_ms=…`
//!
//! The workers are those of the crash tests (`tests/crash/child.rs`). Every run of a job is
//! logged by the job itself in the database under test (`crash_runs`, the run log of the crash
//! tests), and noted in a file of its worker first (`starts-<pid>.log` in the logs folder, so
//! that a run whose process was killed before its insert still counts). The jobs provoke the
//! faults of issue 19:
//!
//! - **Stalls** (item 1): a worker is stopped with SIGSTOP for its lease and 1–2 s more, then
//!   SIGCONT, like a stalled runtime or a database outage longer than the lease. Its jobs' work
//!   advances only while it runs (steps of 50 ms), so what it was doing is still going when it
//!   resumes. Some stalls are *solo*: the other workers are SIGTERMed first and waited for, two
//!   jobs of 8 s are put first in line (priority -1), the worker is stopped in the middle of
//!   one, and after SIGCONT it is left alone while it takes its jobs back (its own fetcher)
//!   while its old attempts still run: one worker holding two attempts of one job. When it
//!   resumes, its heartbeat races its rescuer, and a heartbeat that comes first keeps every
//!   expired lease; so in one solo stall per run (a round chosen at random) the driver rescues
//!   the expired leases just before SIGCONT, as any other worker's rescuer may, and the race is
//!   always lost. On SQLite every stall is solo (a stopped worker may hold the write lock, which
//!   would cut every other worker off for longer than the lease). The fleet is filled up again
//!   at the next round.
//! - **Single attempts** (item 2): one job in ten is allowed one attempt. A SIGKILLed worker's
//!   claimed-ahead jobs (its prefetch buffer) must get their attempt back; one killed in the
//!   middle of its run is rightly discarded.
//! - **Snoozes that no database can store** (item 3): one job in twenty snoozes
//!   `Duration::MAX` after its first attempt; it must end `available`, to run in more than a
//!   year, and the worker must still shut down when told.
//!
//! The counts:
//!
//! - `lost`: committed jobs that neither completed, nor were discarded after running their last
//!   attempt, nor were snoozed for good. `ghost`: rows or runs of jobs never committed.
//! - `double_while_leased`: runs that started while an earlier run of the same job was still
//!   going in a live process (or one claim that ran twice). A run that went on in a stopped
//!   process does not hold its lease: a later run is allowed once that lease may have expired
//!   (two thirds of a lease after SIGSTOP, heartbeats coming every third).
//! - `dropped_outcomes`: runs that finished in a worker that was neither killed, stopped nor
//!   stalled within seconds after, although the job's errors say that attempt's lease expired:
//!   the outcome was dropped.
//! - `discarded_unrun`: discarded jobs with no run of their last attempt.
//! - `unclean_exits`: workers that did not exit by themselves after SIGTERM (shutdown hung).
//! - `same_worker_overlaps`: two runs of one job at once in one process, which the solo stalls
//!   provoke. `snoozed_forever`: jobs that ended snoozed for good. `max_rescue_latency_ms`: the
//!   longest wait from a SIGKILL to the next run of a job the killed process was running.
//!
//! - `discarded`: jobs discarded after running their last attempt (allowed one attempt, and
//!   killed in the middle of it), counted as finished.
//!
//! The line before it (stderr) tells more: stalls, and whether each solo stall was seen making
//! its worker run two attempts of one job; stale starts (a run under a claim that was no longer
//! the job's: a newer claim's run had started before it, or the newer claim has the same
//! attempt number although this run's process lived on, so the claim had been given back); the
//! jobs the workers held unstarted (claimed ahead: their start not recorded) when they were
//! SIGKILLed, and how many of those were allowed a single attempt. The exit status is non-zero when `lost`, `ghost`,
//! `double_while_leased`, `dropped_outcomes`, `discarded_unrun` or `unclean_exits` is not 0.

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
    /// live worker's lease never expires (only a stalled one's: stalls last the lease and
    /// 1–2 s more).
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
    pub(crate) fn lease(&self) -> Duration {
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
