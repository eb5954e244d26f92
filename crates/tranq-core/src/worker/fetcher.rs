//! One fetcher per queue: claims as many jobs as there are free slots, then waits for a slot, a
//! notification or the poll interval. A claim that fills every slot is followed at once by the
//! next one, so a busy queue never sleeps between bursts.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::completer::Report;
use super::{QueueSlots, Shared, executor};
use crate::store::ClaimParams;

const MAX_ERROR_BACKOFF: Duration = Duration::from_secs(5);

pub(crate) async fn run(
    shared: Arc<Shared>,
    queue: Arc<QueueSlots>,
    reports: UnboundedSender<Report>,
) {
    let mut failures: u32 = 0;
    loop {
        if shared.shutdown.is_cancelled() {
            return;
        }
        let free = queue.slots.available_permits();
        if free == 0 {
            tokio::select! {
                _ = queue.slot_freed.notified() => continue,
                _ = shared.shutdown.cancelled() => return,
            }
        }
        let limit = u32::try_from(free).unwrap_or(u32::MAX);
        let claimed = shared
            .store
            .job_claim(&ClaimParams {
                queue: &queue.name,
                tasks: &shared.task_names,
                limit,
                worker_id: &shared.config.worker_id,
                lease: shared.config.lease,
            })
            .await;
        let jobs = match claimed {
            Ok(jobs) => {
                failures = 0;
                jobs
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let wait = error_backoff(failures);
                tracing::warn!(queue = %queue.name, %error, retry_in = ?wait, "tranq: claim failed");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => continue,
                    _ = shared.shutdown.cancelled() => return,
                }
            }
        };
        let full = jobs.len() >= free;
        for job in jobs {
            match queue.slots.clone().try_acquire_owned() {
                Ok(permit) => executor::spawn(&shared, &queue, job, permit, reports.clone()),
                Err(_) => {
                    tracing::error!(job.id = %job.id, "tranq: claimed more jobs than free slots")
                }
            }
        }
        if full {
            continue;
        }
        tokio::select! {
            _ = queue.wake.notified() => {}
            _ = tokio::time::sleep(shared.config.poll_interval) => {}
            _ = shared.shutdown.cancelled() => return,
        }
    }
}

/// 100 ms doubling up to 5 s.
pub(crate) fn error_backoff(failures: u32) -> Duration {
    Duration::from_millis(100)
        .saturating_mul(1 << failures.min(6))
        .min(MAX_ERROR_BACKOFF)
}
