//! The run itself: drives the orders, kills and restarts the worker mid-run, then waits until
//! every committed order has its invoice and every job has finished.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use tranq::sea_orm::Store;
use tranq::{JobId, JobInfo};

use crate::clock;
use crate::driver::{self, Counters, Outcome};
use crate::entities::invoices;
use crate::progress::Progress;
use crate::supervisor::WorkerProcess;

type Error = Box<dyn std::error::Error>;

/// How often the display and the checks run.
const TICK: Duration = Duration::from_millis(100);
/// Share of the orders answered when the worker is killed.
const KILL_AT: f64 = 0.4;
/// Giving up after this long without progress (several leases, rescues and backoffs).
const STALL: Duration = Duration::from_secs(20);

/// What the run produced, for the report.
pub(crate) struct Run {
    /// One per order placed.
    pub(crate) outcomes: Vec<Outcome>,
    /// The last state of the job of every committed order (`None`: no such job).
    pub(crate) jobs: Vec<Option<JobInfo>>,
    /// How often the worker was killed and started again.
    pub(crate) restarts: u32,
    /// When the first order was sent, in microseconds since the Unix epoch.
    pub(crate) started_us: i64,
}

/// What the run needs.
pub(crate) struct Setup<'a> {
    pub(crate) db: &'a DatabaseConnection,
    pub(crate) ui: &'a Progress,
    pub(crate) url: &'a str,
    pub(crate) shop_url: String,
    pub(crate) orders: u64,
    /// Orders per second (0: as fast as the shop answers).
    pub(crate) rate: f64,
}

/// Places the orders, with one worker kill on the way, and waits for the jobs to finish.
/// Returns the worker process running at the end, too.
pub(crate) async fn run(
    setup: Setup<'_>,
    mut worker: WorkerProcess,
) -> Result<(Run, WorkerProcess), Error> {
    let started_us = clock::now_us();
    let counters = Arc::new(Counters::default());
    let mut drive = tokio::spawn({
        let (shop_url, orders, rate) = (setup.shop_url.clone(), setup.orders, setup.rate);
        let counters = counters.clone();
        async move { driver::run(shop_url, orders, rate, &counters).await }
    });
    let kill_at = ((setup.orders as f64 * KILL_AT) as u64).max(1);
    let mut restarts = 0;
    let mut tick = tokio::time::interval(TICK);
    let outcomes = loop {
        tokio::select! {
            outcomes = &mut drive => break outcomes?,
            _ = tick.tick() => {
                refresh(&setup, &counters).await?;
                if restarts == 0 && counters.answered() >= kill_at {
                    worker = kill_and_restart(&setup, worker, counters.answered()).await?;
                    restarts += 1;
                }
            }
        }
    };
    if restarts == 0 {
        worker = kill_and_restart(&setup, worker, counters.answered()).await?;
        restarts += 1;
    }
    wait_for_invoices(&setup, &counters).await?;
    let jobs = wait_for_jobs(setup.db, &outcomes).await?;
    refresh(&setup, &counters).await?;
    let run = Run {
        outcomes,
        jobs,
        restarts,
        started_us,
    };
    Ok((run, worker))
}

/// SIGKILLs the worker (its jobs stay leased until the lease expires) and starts a new one.
async fn kill_and_restart(
    setup: &Setup<'_>,
    worker: WorkerProcess,
    answered: u64,
) -> Result<WorkerProcess, Error> {
    let old = worker.pid();
    worker.kill().await?;
    let new = WorkerProcess::start(setup.url, setup.ui).await?;
    setup.ui.println(format!(
        "worker process {old} killed with SIGKILL after {answered} orders; started worker process {}",
        new.pid()
    ));
    Ok(new)
}

/// Redraws the bars; returns the number of invoices sent.
async fn refresh(setup: &Setup<'_>, counters: &Counters) -> Result<u64, Error> {
    let invoices = invoices::Entity::find().count(setup.db).await?;
    setup.ui.update(
        counters.answered(),
        counters.committed.load(Ordering::Relaxed),
        counters.declined.load(Ordering::Relaxed),
        invoices,
    );
    Ok(invoices)
}

/// Waits until there are as many invoices as committed orders, or nothing moves for a while.
async fn wait_for_invoices(setup: &Setup<'_>, counters: &Counters) -> Result<(), Error> {
    let expected = counters.committed.load(Ordering::Relaxed);
    let (mut last, mut moved) = (0, Instant::now());
    loop {
        let sent = refresh(setup, counters).await?;
        if sent >= expected || moved.elapsed() > STALL {
            return Ok(());
        }
        if sent != last {
            (last, moved) = (sent, Instant::now());
        }
        tokio::time::sleep(TICK).await;
    }
}

/// Reads the job of every committed order until all of them are finished (completed,
/// discarded or cancelled), or nothing moves for a while. An invoice can be in before its job's
/// completion is stored, and a job whose worker was killed after it sent the invoice runs again.
async fn wait_for_jobs(
    db: &DatabaseConnection,
    outcomes: &[Outcome],
) -> Result<Vec<Option<JobInfo>>, Error> {
    let store = Store::new(db.clone());
    let ids: Vec<JobId> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Committed { created, .. } => Some(JobId(created.job_id)),
            _ => None,
        })
        .collect();
    let mut jobs = Vec::with_capacity(ids.len());
    for id in &ids {
        jobs.push(store.job_get(*id).await?);
    }
    let mut moved = Instant::now();
    loop {
        let pending: Vec<usize> = (0..jobs.len())
            .filter(|&i| jobs[i].as_ref().is_some_and(|j| !j.state.is_final()))
            .collect();
        if pending.is_empty() || moved.elapsed() > STALL {
            return Ok(jobs);
        }
        tokio::time::sleep(TICK).await;
        for i in pending {
            let job = store.job_get(ids[i]).await?;
            if job.as_ref().map(|j| j.state) != jobs[i].as_ref().map(|j| j.state) {
                moved = Instant::now();
            }
            jobs[i] = job;
        }
    }
}
