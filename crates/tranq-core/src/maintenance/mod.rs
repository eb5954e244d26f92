//! Maintenance services that run beside the fetchers: one file each, orchestrated here. The
//! rescuer and the unknown-task report run on every worker; the pruner and the periodic-task
//! scheduler (`periodic/scheduler.rs`) only on the worker that holds the leader lease.

mod leader;
mod pruner;
mod queue_depth;
mod rescuer;
mod unknown_tasks;

pub use leader::DEFAULT_LEADER_TTL;
pub use pruner::{DEFAULT_PRUNE_INTERVAL, DEFAULT_RETENTION, PRUNE_BATCH};
pub use rescuer::RESCUE_BATCH;
pub(crate) use unknown_tasks::report as report_unknown_tasks;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::{Interval, MissedTickBehavior};

use crate::periodic::scheduler::{self, Scheduler};
use crate::worker::Shared;
use leader::Elector;

/// How often jobs of unknown tasks are reported.
pub const UNKNOWN_TASK_REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Longest wait for the resignation at shutdown (the database may be gone).
const RESIGN_TIMEOUT: Duration = Duration::from_secs(2);

fn ticker(period: Duration) -> Interval {
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker
}

/// Runs until shutdown starts, then gives up the leadership if this worker holds it.
pub(crate) async fn run(shared: Arc<Shared>) {
    let config = &shared.config;
    let store = &*shared.store;
    let mut elector = Elector::new(config.worker_id.clone(), config.leader_ttl);
    let mut rescue = ticker(config.rescue_interval);
    let mut report = ticker(UNKNOWN_TASK_REPORT_INTERVAL);
    let mut elect = ticker(elector.interval());
    let mut prune = ticker(config.prune_interval);
    let mut scheduler = Scheduler::new(shared.periodic.clone());
    let mut periodic = ticker(scheduler::CHECK_INTERVAL);
    // When sampling is off the ticker only exists: its branch below never runs.
    let mut depth = ticker(
        config
            .queue_depth_interval
            .unwrap_or(UNKNOWN_TASK_REPORT_INTERVAL),
    );
    let mut queue_depth = queue_depth::QueueDepth::default();
    report.tick().await; // the first report ran at start
    loop {
        tokio::select! {
            _ = rescue.tick() => rescuer::run_once(&shared).await,
            _ = report.tick() => {
                if let Err(error) = report_unknown_tasks(&shared).await {
                    tracing::warn!(%error, "tranq: unknown-task report failed");
                }
            }
            _ = elect.tick() => {
                let was_leader = elector.is_leader();
                if let Err(error) = elector.run_once(store).await {
                    tracing::warn!(%error, "tranq: leader election failed; retrying next tick");
                }
                match (was_leader, elector.is_leader()) {
                    (false, true) => {
                        tracing::info!(worker = %config.worker_id, "tranq: elected leader");
                        prune.reset_immediately();
                        depth.reset_immediately();
                    }
                    (true, false) => {
                        tracing::warn!(worker = %config.worker_id, "tranq: leadership lost");
                        scheduler.forget();
                    }
                    _ => {}
                }
            }
            _ = prune.tick(), if elector.is_leader() => {
                match pruner::run_once(store, config.retention).await {
                    Ok(pruned) => {
                        if pruned.deleted > 0 {
                            tracing::info!(deleted = pruned.deleted, retention = ?config.retention, "tranq: pruned finished jobs");
                        }
                        if pruned.more {
                            prune.reset_immediately();
                        }
                    }
                    Err(error) => tracing::warn!(%error, "tranq: pruning failed; retrying next tick"),
                }
            }
            _ = periodic.tick(), if elector.is_leader() && !scheduler.is_empty() => {
                scheduler.run_once(store, SystemTime::now()).await;
            }
            _ = depth.tick(), if elector.is_leader() && config.queue_depth_interval.is_some() => {
                if let Err(error) = queue_depth.run_once(store).await {
                    tracing::warn!(%error, "tranq: sampling queue depth failed; retrying next tick");
                }
            }
            _ = shared.shutdown.cancelled() => break,
        }
    }
    match tokio::time::timeout(RESIGN_TIMEOUT, elector.resign(store)).await {
        Ok(Ok(true)) => tracing::info!(worker = %config.worker_id, "tranq: resigned as leader"),
        Ok(Ok(false)) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "tranq: could not resign as leader; the lease expires on its own");
        }
        Err(_) => tracing::warn!(
            "tranq: could not resign as leader in time; the lease expires on its own"
        ),
    }
}
