//! What the connection-fault tests share: a worker running `Slow` jobs in this process while
//! the database is disturbed, enqueues that go on meanwhile, and the checks at the end: the
//! worker never exited, every committed job completed, no job ran twice at the same time.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, TransactionTrait};
use tranq::internal::Store as _;
use tranq::{JobId, JobState};

use crate::conformance::probe::{Run, runs, start};
use crate::conformance::tasks::{Sleep, Slow};

/// Jobs enqueued before the disturbance, every 100 ms while it goes on, and after it.
const BEFORE: usize = 200;
const DURING_EVERY_100_MS: usize = 10;
const AFTER: usize = 50;
/// How long each job sleeps.
const JOB_MS: u64 = 40;

/// A worker of 8 slots on queue `slow`, with a lease of 3 s (renewed every second).
fn worker(db: &DatabaseConnection) -> tranq::WorkerBuilder {
    tranq::Worker::builder(tranq::sea_orm::Store::new(db.clone()))
        .queue("slow", 8)
        .lease(Duration::from_secs(3))
        .poll_interval(Duration::from_millis(100))
        .rescue_interval(Duration::from_millis(500))
        .grace_period(Duration::from_secs(10))
}

/// Enqueues `n` jobs in transactions of 20. A transaction that fails is tried again with new
/// jobs; only the ids of transactions whose commit succeeded are returned (a commit whose answer
/// was lost may have committed too: such a job runs, but is not counted).
async fn enqueue(db: &DatabaseConnection, key: &str, n: usize) -> Vec<JobId> {
    let mut ids = Vec::with_capacity(n);
    let mut failures = 0;
    while ids.len() < n {
        let batch = (n - ids.len()).min(20);
        match try_enqueue(db, key, batch).await {
            Ok(new) => ids.extend(new),
            Err(error) => {
                failures += 1;
                assert!(failures < 300, "enqueue keeps failing: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    ids
}

async fn try_enqueue(db: &DatabaseConnection, key: &str, n: usize) -> Result<Vec<JobId>, String> {
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    let args = (0..n).map(|_| Sleep {
        key: key.to_owned(),
        ms: JOB_MS,
    });
    let ids = Slow::enqueue_many_in(&txn, args)
        .await
        .map_err(|e| e.to_string())?;
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(ids)
}

/// Runs a worker over `db` through `disturb` while jobs keep being enqueued, then checks that
/// nothing was lost.
pub async fn worker_survives<F, Fut>(db: &DatabaseConnection, key: &str, disturb: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    // The worker's own account of the faults, shown when a test fails.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,tranq=info"))
        .try_init();
    let store = tranq::sea_orm::Store::new(db.clone());
    let mut committed = enqueue(db, key, BEFORE).await;
    let w = start(worker(db));
    let done_key = format!("{key}:done");
    wait_until(
        "a tenth of the jobs ran",
        Duration::from_secs(30),
        || async { runs(&done_key).len() >= BEFORE / 10 },
    )
    .await;

    let disturbed = std::sync::atomic::AtomicBool::new(false);
    let (enqueue_failures, ()) = tokio::join!(
        async {
            let mut failures = 0;
            while !disturbed.load(std::sync::atomic::Ordering::Relaxed) {
                match try_enqueue(db, key, DURING_EVERY_100_MS).await {
                    Ok(ids) => committed.extend(ids),
                    Err(_) => failures += 1,
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            failures
        },
        async {
            disturb().await;
            disturbed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    );
    committed.extend(enqueue(db, key, AFTER).await);
    eprintln!("{key}: {enqueue_failures} enqueue transactions failed during the disturbance");

    let mut pending = committed.clone();
    let deadline = Instant::now() + Duration::from_secs(90);
    while !pending.is_empty() {
        let mut still = Vec::new();
        for id in pending {
            match store.job_get(id).await {
                Ok(Some(job)) if job.state == JobState::Completed => {}
                Ok(None) => panic!("committed job {id} is gone"),
                _ => still.push(id),
            }
        }
        pending = still;
        assert!(
            Instant::now() < deadline,
            "{} committed jobs never completed: {:?}",
            pending.len(),
            &pending[..pending.len().min(20)]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(w.is_running(), "the worker exited on its own");
    w.stop().await.expect("the worker stops cleanly");

    let starts = runs(key);
    let ends = runs(&done_key);
    for id in &committed {
        assert!(starts.iter().any(|r| r.job == *id), "job {id} never ran");
    }
    assert_no_overlap(&starts, &ends);
    let reruns = starts.len() - count_distinct(&starts);
    eprintln!(
        "{key}: {} committed jobs completed, {} runs, {reruns} ran again after a lost claim or completion",
        committed.len(),
        starts.len()
    );
}

/// No run of a job starts before the previous run of that job has finished.
fn assert_no_overlap(starts: &[Run], ends: &[Run]) {
    let mut by_job: HashMap<JobId, Vec<&Run>> = HashMap::new();
    for run in starts {
        by_job.entry(run.job).or_default().push(run);
    }
    for (job, runs) in by_job {
        for pair in runs.windows(2) {
            let end = ends
                .iter()
                .find(|e| e.job == job && e.attempt == pair[0].attempt)
                .map(|e| e.at);
            assert!(
                end.is_some_and(|end| end <= pair[1].at),
                "job {job} ran again (attempt {}) while attempt {} was still running",
                pair[1].attempt,
                pair[0].attempt
            );
        }
    }
}

fn count_distinct(runs: &[Run]) -> usize {
    let mut jobs: Vec<JobId> = runs.iter().map(|r| r.job).collect();
    jobs.sort();
    jobs.dedup();
    jobs.len()
}

pub async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
