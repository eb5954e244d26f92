//! The worker process of the crash tests (and of `examples/chaos`), and its one task. The parent
//! passes the database URL and the settings in the environment; without them [`run`] returns at
//! once.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use tokio::signal::unix::{SignalKind, signal};
use tranq::{TaskContext, TaskError};

use super::runs;

/// How often children look for expired leases.
pub const RESCUE_INTERVAL: Duration = Duration::from_millis(300);

const URL: &str = "TRANQ_CRASH_CHILD_URL";
const CONCURRENCY: &str = "TRANQ_CRASH_CHILD_CONCURRENCY";
const LEASE_MS: &str = "TRANQ_CRASH_CHILD_LEASE_MS";
const GRACE_MS: &str = "TRANQ_CRASH_CHILD_GRACE_MS";
/// With a period in ms: the child also schedules [`tick_job`] every that period, with the leader
/// lease below.
pub const PERIODIC_MS: &str = "TRANQ_CRASH_CHILD_PERIODIC_MS";
/// The leader lease of a child that schedules periodic jobs, in ms.
pub const LEADER_MS: &str = "TRANQ_CRASH_CHILD_LEADER_MS";
/// A global concurrency limit on the `crash` queue, when set.
pub const GLOBAL_LIMIT: &str = "TRANQ_CRASH_CHILD_GLOBAL_LIMIT";
/// A per-key concurrency limit on the `crash` queue, when set.
pub const KEY_LIMIT: &str = "TRANQ_CRASH_CHILD_KEY_LIMIT";
/// A rate limit on the `crash` queue, `<allowed>/<period ms>`, when set.
pub const RATE_LIMIT: &str = "TRANQ_CRASH_CHILD_RATE_LIMIT";

/// A folder where each child also notes every start in a file of its own (`starts-<pid>.log`,
/// read by [`runs::read_starts`]), optional.
pub const STARTS_DIR: &str = "TRANQ_CRASH_CHILD_STARTS_DIR";

/// How a child worker runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: u32,
    pub lease: Duration,
    pub grace: Duration,
}

impl Settings {
    pub fn apply(&self, url: &str, command: &mut Command) {
        command
            .env(URL, url)
            .env(CONCURRENCY, self.concurrency.to_string())
            .env(LEASE_MS, self.lease.as_millis().to_string())
            .env(GRACE_MS, self.grace.as_millis().to_string());
    }

    fn from_env() -> Option<(String, Settings)> {
        let url = std::env::var(URL).ok()?;
        let number = |name: &str| -> u64 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} is not set"))
        };
        let settings = Settings {
            concurrency: u32::try_from(number(CONCURRENCY)).expect("concurrency"),
            lease: Duration::from_millis(number(LEASE_MS)),
            grace: Duration::from_millis(number(GRACE_MS)),
        };
        Some((url, settings))
    }
}

/// The run log's connection in a child.
static RUN_LOG: OnceLock<DatabaseConnection> = OnceLock::new();

/// This child's file of starts, when the parent asked for one ([`STARTS_DIR`]).
static STARTS: OnceLock<Mutex<File>> = OnceLock::new();

/// The worker id of the child with process id `pid` (the `lease_owner` of the jobs it holds).
pub fn worker_id(pid: u32) -> String {
    format!("crash-{pid}")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrashArgs {
    /// Work, in ms.
    pub ms: u64,
    /// Snooze `Duration::MAX` after the work of attempt 1 (a delay no database can store as
    /// such): the job then waits a century, `available`.
    #[serde(default)]
    pub snooze_forever: bool,
}

/// Logs its start, works for `ms`, logs its end; snoozes forever after attempt 1 if asked to.
/// Its lease being lost (`ctx.cancelled()`) does not stop it, as it would not stop most
/// handlers.
#[tranq::task(queue = "crash")]
pub async fn crash_job(ctx: TaskContext, args: CrashArgs) -> Result<(), TaskError> {
    let db = start_and_work(&ctx, args.ms).await?;
    runs::record_end(db, &ctx, runs::now_us()).await;
    if args.snooze_forever && ctx.attempt() == 1 {
        return Err(TaskError::snooze(Duration::MAX));
    }
    Ok(())
}

/// Works for `ms`, then writes its effect (a row in `crash_effects`) and completes its job in
/// one transaction (`ctx.complete_in`). When the completion is refused (this attempt lost its
/// lease: the process was stopped past it, and the job was taken back), the effect rolls back
/// and the refusal is noted in `crash_fenced`.
#[tranq::task(queue = "crash_effects")]
pub async fn effect_job(ctx: TaskContext, args: CrashArgs) -> Result<(), TaskError> {
    let db = start_and_work(&ctx, args.ms).await?;
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!(
        "INSERT INTO crash_effects (job_id, token, pid) VALUES ({}, {}, {})",
        ctx.job_id().0,
        ctx.lease_token(),
        std::process::id()
    ))
    .await?;
    match ctx.complete_in(&txn).await {
        Ok(()) => txn.commit().await?,
        Err(lost @ tranq::Error::LeaseLost { .. }) => {
            txn.rollback().await?;
            runs::record_fenced(db, &ctx).await;
            return Err(lost.into());
        }
        Err(other) => return Err(other.into()),
    }
    runs::record_end(db, &ctx, runs::now_us()).await;
    Ok(())
}

/// The periodic job of the periodic crash test: does nothing (its row is the record).
#[tranq::task(queue = "crash")]
pub async fn tick_job(_ctx: TaskContext, _args: ()) -> Result<(), TaskError> {
    Ok(())
}

/// A job's start, noted and logged, then `ms` of work; the run log's connection.
async fn start_and_work(
    ctx: &TaskContext,
    ms: u64,
) -> Result<&'static DatabaseConnection, TaskError> {
    let db = RUN_LOG
        .get()
        .ok_or_else(|| TaskError::retry("not in a crash-test worker process".to_owned()))?;
    let started = runs::now_us();
    note_start(ctx, started);
    runs::record_start(db, ctx, started).await;
    work(ms).await;
    Ok(db)
}

/// `ms` of work that advances only while the process runs, like work on the CPU: in steps of
/// 50 ms, so that a process stopped (SIGSTOP) in the middle has the rest still to do when it
/// resumes, instead of finding its one timer long expired.
async fn work(ms: u64) {
    const STEP: u64 = 50;
    let mut left = ms;
    while left > 0 {
        let step = left.min(STEP);
        tokio::time::sleep(Duration::from_millis(step)).await;
        left -= step;
    }
}

/// Notes a start in this child's file of starts, in one `write`, before the run log's insert:
/// a process SIGKILLed just after its handler started leaves this line even when the insert
/// never reached the database.
fn note_start(ctx: &TaskContext, started_us: i64) {
    let Some(file) = STARTS.get() else {
        return;
    };
    let line = runs::start_line(ctx, started_us);
    let mut file = file
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Err(error) = file.write_all(line.as_bytes()) {
        eprintln!("worker: cannot note a start: {error}");
    }
}

fn open_starts(dir: &Path) {
    let path = dir.join(format!("starts-{}.log", std::process::id()));
    match File::options().create(true).append(true).open(&path) {
        Ok(file) => {
            let _ = STARTS.set(Mutex::new(file));
        }
        Err(error) => eprintln!("worker: {}: {error}", path.display()),
    }
}

/// Runs a worker until SIGTERM, when started by a crash test; otherwise returns at once.
pub async fn run() {
    let Some((url, settings)) = Settings::from_env() else {
        return;
    };
    let mut terminate = signal(SignalKind::terminate()).expect("a SIGTERM handler");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,tranq=info"))
        .with_ansi(false)
        .try_init();
    // The database may be restarting (chaos): try until it answers.
    let db = loop {
        match tranq::sea_orm::connect(&url).await {
            Ok(db) => break db,
            Err(error) => {
                eprintln!("worker: {error}; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let _ = RUN_LOG.set(db.clone());
    if let Some(dir) = std::env::var_os(STARTS_DIR) {
        open_starts(Path::new(&dir));
    }
    let env_ms = |name| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
    };
    let mut builder = tranq::Worker::builder(tranq::sea_orm::Store::new(db))
        .worker_id(worker_id(std::process::id()))
        .queue("crash", settings.concurrency)
        .queue("crash_effects", settings.concurrency)
        .lease(settings.lease)
        .grace_period(settings.grace)
        .rescue_interval(RESCUE_INTERVAL)
        .poll_interval(Duration::from_millis(100));
    if let Some(limit) = std::env::var(GLOBAL_LIMIT)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        builder = builder.global_concurrency("crash", limit);
    }
    if let Some(limit) = std::env::var(KEY_LIMIT).ok().and_then(|v| v.parse().ok()) {
        builder = builder.concurrency_per_key("crash", limit);
    }
    if let Some((allowed, period)) = std::env::var(RATE_LIMIT).ok().and_then(|v| {
        let (allowed, period) = v.split_once('/')?;
        Some((allowed.parse().ok()?, period.parse().ok()?))
    }) {
        builder = builder.rate_limit("crash", allowed, Duration::from_millis(period));
    }
    if let (Some(period), Some(leader)) = (env_ms(PERIODIC_MS), env_ms(LEADER_MS)) {
        builder = builder
            .periodic(TickJob::every(period), ())
            .leader_lease(leader);
    }
    builder
        .build()
        .expect("the worker builds")
        .run_until(async move {
            terminate.recv().await;
        })
        .await
        .expect("the worker runs");
}
