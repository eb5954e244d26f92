//! `tranq bench`: the same measurements as the peer drivers in `../shared/bench/peers`, so that
//! figures can be compared side by side in one run.
//!
//! 1. bulk enqueue: N no-op jobs with `enqueue_many_in`, in chunks, each chunk one statement;
//! 2. burn-down: a worker process drains them; timed from worker start until every handler ran
//!    and every outcome is stored (no job left available, running or retryable);
//! 3. pickup latency on the idle worker: single `enqueue_in` + commit, spaced apart; latency is
//!    the handler's start minus the moment the commit returned (one in-process clock);
//! 4. the cost of one `enqueue_in` inside a transaction (measured during 3);
//! 5. worker RSS from `/proc/self/status` before and after the burn-down;
//! 6. with `--relay-nats-url`, the outbox relay's events/s (`relay_bench.rs`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::bench_processes;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use tranq::sea_orm::Store;
use tranq::{TaskContext, TaskError, Worker};

pub(crate) type AnyError = Box<dyn std::error::Error>;

/// Options of `tranq bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// A fresh, empty database (tranq's schema is created if missing).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Number of no-op jobs enqueued and then drained.
    #[arg(long, short = 'n', default_value_t = 20_000)]
    jobs: u64,
    /// Worker instances in this one process (each with its own fetcher and completer).
    #[arg(long, default_value_t = 1, conflicts_with = "worker_processes")]
    workers: u32,
    /// Run the workers in this many processes of their own instead (`tranq bench-worker`,
    /// one worker each, started by the bench); the bench process only enqueues and measures.
    #[arg(long)]
    worker_processes: Option<u32>,
    #[command(flatten)]
    worker: WorkerOptions,
    /// Jobs per `enqueue_many_in` statement in the bulk phase.
    #[arg(long, default_value_t = 1000)]
    chunk: usize,
    /// Jobs of the pickup latency phase.
    #[arg(long, default_value_t = 200)]
    latency_jobs: usize,
    /// Pause between two jobs of the latency phase, in milliseconds.
    #[arg(long, default_value_t = 10.0)]
    latency_spacing_ms: f64,
    /// Size of the connection pool (default: 8 + 4 per worker).
    #[arg(long)]
    pool: Option<u32>,
    /// Also measure the outbox relay: as many events as --jobs, published to this NATS
    /// server's JetStream (a stream of the bench's own, deleted after); prints a
    /// `RELAY_RESULT relay=.. work=.. ratio=..` line after `RESULT`.
    #[arg(long)]
    relay_nats_url: Option<String>,
    /// Events the relay publishes at once.
    #[arg(long, default_value_t = 256)]
    relay_concurrency: u32,
}

/// How each worker of the bench is set up, in this process or in `tranq bench-worker`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WorkerOptions {
    /// Jobs run at once by each worker.
    #[arg(long, default_value_t = 24)]
    pub(crate) concurrency: u32,
    /// Jobs claimed ahead of free slots into each worker's local buffer (default: the
    /// worker's own default).
    #[arg(long)]
    pub(crate) prefetch: Option<u32>,
    /// Delete each job once it completed, instead of keeping it as `completed`.
    #[arg(long)]
    pub(crate) delete_completed: bool,
    /// Let the worker's claims and completions commit without waiting for the WAL flush
    /// (`Store::relaxed_commit`; see its caveat about database crashes).
    #[arg(long)]
    pub(crate) relaxed_commit: bool,
    /// How often an idle worker polls, in milliseconds (default: the worker's own: 1 s with
    /// LISTEN/NOTIFY on PostgreSQL, 100 ms on MySQL and SQLite).
    #[arg(long)]
    pub(crate) poll_ms: Option<u64>,
}

impl WorkerOptions {
    /// The arguments that give a `tranq bench-worker` these options.
    pub(crate) fn to_args(&self) -> Vec<String> {
        let mut args = vec!["--concurrency".to_owned(), self.concurrency.to_string()];
        if let Some(prefetch) = self.prefetch {
            args.extend(["--prefetch".to_owned(), prefetch.to_string()]);
        }
        if self.delete_completed {
            args.push("--delete-completed".to_owned());
        }
        if self.relaxed_commit {
            args.push("--relaxed-commit".to_owned());
        }
        if let Some(ms) = self.poll_ms {
            args.extend(["--poll-ms".to_owned(), ms.to_string()]);
        }
        args
    }

    /// A worker of the bench queue on `db`, named after this process and `index`.
    pub(crate) fn build(&self, db: &DatabaseConnection, index: u32) -> Result<Worker, AnyError> {
        let store = Store::new(db.clone()).relaxed_commit(self.relaxed_commit);
        let mut builder = Worker::builder(store)
            .queue("bench", self.concurrency)
            .worker_id(format!("tranq-bench-{}-{index}", std::process::id()));
        if let Some(prefetch) = self.prefetch {
            builder = builder.prefetch(prefetch);
        }
        if self.delete_completed {
            builder = builder.delete_completed(true);
        }
        if let Some(ms) = self.poll_ms {
            builder = builder.poll_interval(Duration::from_millis(ms));
        }
        Ok(builder.build()?)
    }
}

/// The bench's connection pool: the one `tranq::sea_orm::connect` opens, with `pool`
/// connections.
pub(crate) async fn connect(url: &str, pool: u32) -> Result<DatabaseConnection, AnyError> {
    let mut options = tranq::sea_orm::connect_options(url)?;
    options.max_connections(pool).min_connections(pool.min(4));
    Ok(Database::connect(options).await?)
}

#[derive(Serialize, Deserialize)]
struct Noop {
    i: u64,
}

#[derive(Serialize, Deserialize)]
struct Pickup {
    i: usize,
}

/// No-op jobs handled so far (with worker processes: as they report it).
pub(crate) static HANDLED: AtomicU64 = AtomicU64::new(0);
/// How many no-op jobs the burn-down waits for.
pub(crate) static TARGET: AtomicU64 = AtomicU64::new(u64::MAX);
/// Poked when the last no-op job has been handled.
pub(crate) static ALL_HANDLED: Notify = Notify::const_new();
/// Handler start of each latency job, by index, in microseconds since the Unix epoch.
static PICKED_UP: Mutex<Vec<Option<i64>>> = Mutex::new(Vec::new());

#[tranq::task(queue = "bench")]
async fn bench_noop(_ctx: TaskContext, _args: Noop) -> Result<(), TaskError> {
    if HANDLED.fetch_add(1, Ordering::Relaxed) + 1 == TARGET.load(Ordering::Relaxed) {
        ALL_HANDLED.notify_one();
    }
    Ok(())
}

#[tranq::task(queue = "bench")]
async fn bench_pickup(_ctx: TaskContext, args: Pickup) -> Result<(), TaskError> {
    let now = unix_us();
    if bench_processes::is_child() {
        bench_processes::report_pickup(args.i, now);
    } else {
        picked_up(args.i, now);
    }
    Ok(())
}

impl BenchArgs {
    /// The database URL given.
    pub(crate) fn database_url(&self) -> &str {
        &self.database_url
    }
}

pub(crate) async fn run(args: BenchArgs) -> Result<(), AnyError> {
    if args.jobs == 0
        || args.workers == 0
        || args.worker_processes == Some(0)
        || args.worker.concurrency == 0
        || args.chunk == 0
    {
        return Err(
            "--jobs, --workers, --worker-processes, --concurrency and --chunk must be at least 1"
                .into(),
        );
    }
    let pool = args.pool.unwrap_or(8 + 4 * args.workers);
    let db = connect(&args.database_url, pool).await?;
    tranq::sea_orm::migrate(&db).await?;
    let left = count(&db, "SELECT count(*) FROM tranq_jobs").await?;
    if left != 0 {
        return Err(format!(
            "tranq bench needs an empty queue, and tranq_jobs holds {left} rows: use a fresh database"
        )
        .into());
    }
    let n = args.jobs;

    // ---- 1. bulk enqueue ----
    let bar = progress(n, "enqueue");
    let t0 = Instant::now();
    let mut next = 0u64;
    while next < n {
        let end = (next + args.chunk as u64).min(n);
        BenchNoop::enqueue_many_in(&db, (next..end).map(|i| Noop { i })).await?;
        bar.set_position(end);
        next = end;
    }
    let enqueue_s = t0.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let queued = count(&db, "SELECT count(*) FROM tranq_jobs").await?;
    if queued != n as i64 {
        return Err(format!("enqueue: {queued} rows in tranq_jobs, expected {n}").into());
    }
    // Untimed: give the planner statistics, as autovacuum would on a live table (the peer
    // drivers do the same).
    db.execute_unprepared(match db.get_database_backend() {
        DbBackend::MySql => "ANALYZE TABLE tranq_jobs",
        _ => "ANALYZE tranq_jobs",
    })
    .await?;

    // ---- 2. burn-down by the workers ----
    let rss_before = proc_status_kb("VmRSS");
    TARGET.store(n, Ordering::Relaxed);
    let all_handled = ALL_HANDLED.notified();
    tokio::pin!(all_handled);
    all_handled.as_mut().enable();
    let mut workers = match args.worker_processes {
        // Started, connected and waiting before the clock starts.
        Some(processes) => Workers::Processes(
            bench_processes::Children::start(&args.database_url, processes, &args.worker).await?,
        ),
        None => Workers::InProcess(Vec::new(), watch::channel(false)),
    };
    let bar = progress(n, "work");
    let t1 = Instant::now();
    workers.go(&db, args.workers, &args.worker).await?;
    let ticker = {
        let bar = bar.clone();
        tokio::spawn(async move {
            loop {
                bar.set_position(HANDLED.load(Ordering::Relaxed));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    if HANDLED.load(Ordering::Relaxed) < n {
        all_handled.await;
    }
    const PENDING: &str =
        "SELECT count(*) FROM tranq_jobs WHERE state IN ('available', 'running', 'retryable')";
    while count(&db, PENDING).await? != 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let work_s = t1.elapsed().as_secs_f64();
    ticker.abort();
    bar.finish_and_clear();
    let handled = HANDLED.load(Ordering::Relaxed);
    if handled != n {
        return Err(format!("handled {handled} no-op jobs, expected {n}").into());
    }
    let rss_after = proc_status_kb("VmRSS");
    let rss_peak = proc_status_kb("VmHWM");
    let table_rows = count(&db, "SELECT count(*) FROM tranq_jobs").await?;
    let table_bytes = count(&db, table_size_sql(db.get_database_backend())).await?;

    // ---- 3. pickup latency on the idle worker, and 4. enqueue_in cost ----
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lat_jobs = args.latency_jobs;
    *PICKED_UP.lock().unwrap_or_else(|p| p.into_inner()) = vec![None; lat_jobs];
    let spacing = Duration::from_secs_f64(args.latency_spacing_ms.max(0.0) / 1000.0);
    let bar = progress(lat_jobs as u64, "latency");
    let mut committed = Vec::with_capacity(lat_jobs);
    let mut enqueue_in_ms = Vec::with_capacity(lat_jobs);
    let mut txn_ms = Vec::with_capacity(lat_jobs);
    for i in 0..lat_jobs {
        let t = Instant::now();
        let txn = db.begin().await?;
        let e = Instant::now();
        BenchPickup::enqueue_in(&txn, Pickup { i }).await?;
        enqueue_in_ms.push(ms(e.elapsed()));
        txn.commit().await?;
        let done = Instant::now();
        committed.push(unix_us());
        txn_ms.push(ms(done - t));
        bar.inc(1);
        tokio::time::sleep(spacing).await;
    }
    bar.finish_and_clear();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = PICKED_UP
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .all(Option::is_some);
        if all && count(&db, PENDING).await? == 0 {
            break;
        }
        if Instant::now() > deadline {
            return Err("latency phase: jobs not picked up within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut latency: Vec<f64> = PICKED_UP
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .zip(&committed)
        .map(|(start, commit)| (start.unwrap_or(*commit) - commit) as f64 / 1000.0)
        .collect();
    let children = workers.stop().await?;

    latency.sort_by(f64::total_cmp);
    enqueue_in_ms.sort_by(f64::total_cmp);
    txn_ms.sort_by(f64::total_cmp);
    let enqueue_rate = n as f64 / enqueue_s;
    let work_rate = n as f64 / work_s;
    let worker = &args.worker;
    println!(
        "INFO tranq bench: n={n} chunk={} workers={} worker_processes={} concurrency={} \
         prefetch={} delete_completed={} relaxed_commit={} pool={pool} enqueue_s={enqueue_s:.3} \
         work_s={work_s:.3}",
        args.chunk,
        args.workers,
        args.worker_processes
            .map_or_else(|| "none".to_owned(), |p| p.to_string()),
        worker.concurrency,
        worker
            .prefetch
            .map_or_else(|| "default".to_owned(), |p| p.to_string()),
        worker.delete_completed,
        worker.relaxed_commit,
    );
    println!(
        "INFO enqueue_in (one job, inside a transaction): p50={} p99={} ms; \
         begin+enqueue_in+commit p50={} ms ({} txn/s serial)",
        fmt(pct(&enqueue_in_ms, 50.0), 3),
        fmt(pct(&enqueue_in_ms, 99.0), 3),
        fmt(pct(&txn_ms, 50.0), 3),
        fmt(1000.0 / pct(&txn_ms, 50.0), 0),
    );
    println!(
        "INFO {} RSS: before={rss_before} kB after={rss_after} kB peak={rss_peak} kB; \
         tranq_jobs after burn-down: {table_rows} rows, {table_bytes} bytes",
        if children.is_empty() {
            "worker"
        } else {
            "bench process"
        }
    );
    for (index, rss) in children.iter().enumerate() {
        println!("INFO worker process {index} RSS: {rss}");
    }
    println!(
        "RESULT enqueue={} work={} p50={} p95={} p99={}",
        fmt(enqueue_rate, 0),
        fmt(work_rate, 0),
        fmt(pct(&latency, 50.0), 2),
        fmt(pct(&latency, 95.0), 2),
        fmt(pct(&latency, 99.0), 2),
    );
    if let Some(nats_url) = &args.relay_nats_url {
        crate::relay_bench::run(crate::relay_bench::RelayBench {
            db: &db,
            nats_url,
            events: n,
            chunk: args.chunk,
            concurrency: args.relay_concurrency,
            poll_ms: worker.poll_ms,
            work_rate,
        })
        .await?;
    }
    Ok(())
}

/// The workers of the burn-down and latency phases.
enum Workers {
    /// Worker instances in the bench's own process, and the signal that stops them.
    InProcess(
        Vec<tokio::task::JoinHandle<tranq::Result<()>>>,
        (watch::Sender<bool>, watch::Receiver<bool>),
    ),
    /// `tranq bench-worker` processes, started and waiting for the go.
    Processes(bench_processes::Children),
}

impl Workers {
    /// Starts the work.
    async fn go(
        &mut self,
        db: &DatabaseConnection,
        count: u32,
        options: &WorkerOptions,
    ) -> Result<(), AnyError> {
        match self {
            Workers::InProcess(running, (_, stop)) => {
                for index in 0..count {
                    let worker = options.build(db, index)?;
                    let mut stop = stop.clone();
                    running.push(tokio::spawn(worker.run_until(async move {
                        let _ = stop.wait_for(|s| *s).await;
                    })));
                }
                Ok(())
            }
            Workers::Processes(children) => children.go().await,
        }
    }

    /// Stops the workers; the RSS line of each worker process, if any.
    async fn stop(self) -> Result<Vec<String>, AnyError> {
        match self {
            Workers::InProcess(running, (stop, _)) => {
                let _ = stop.send(true);
                for worker in running {
                    worker.await??;
                }
                Ok(Vec::new())
            }
            Workers::Processes(children) => children.stop().await,
        }
    }
}

/// Microseconds since the Unix epoch: the one clock the bench and its worker processes share.
pub(crate) fn unix_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Records that the worker in this process started latency job `index` (at `unix_us`), and
/// reports it on stdout when this is a `tranq bench-worker` process.
pub(crate) fn picked_up(index: usize, at_us: i64) {
    let mut starts = PICKED_UP.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(slot) = starts.get_mut(index) {
        slot.get_or_insert(at_us);
    }
}

/// Bytes used by `tranq_jobs` and its indexes (the whole file on SQLite).
fn table_size_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::MySql => {
            "SELECT CAST(data_length + index_length AS SIGNED) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = 'tranq_jobs'"
        }
        DbBackend::Sqlite => {
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
        }
        _ => "SELECT pg_total_relation_size('tranq_jobs')::bigint",
    }
}

pub(crate) async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64, AnyError> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or("count returned no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
fn progress(len: u64, phase: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_prefix(phase);
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix:>8} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// A field of `/proc/self/status` in kB (0 where it cannot be read).
pub(crate) fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let rest = line.strip_prefix(field)?.strip_prefix(':')?;
                rest.trim().trim_end_matches("kB").trim().parse().ok()
            })
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted samples (the peers' definition).
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) fn fmt(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "NA".to_owned()
    }
}
