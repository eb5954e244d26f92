//! The leader's side of periodic tasks: at each check, enqueue the latest tick that came due
//! since the last one, once.

use std::time::SystemTime;

use crate::store::Store;

use super::PeriodicJob;

/// How often the leader looks for due ticks.
pub(crate) const CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// Most ticks skipped over in one check (a stalled leader, a schedule of milliseconds).
const MAX_SKIPPED: usize = 100_000;

/// The next due tick of each periodic job, while this worker leads.
#[derive(Debug)]
pub(crate) struct Scheduler {
    jobs: Vec<PeriodicJob>,
    next_due: Vec<Option<SystemTime>>,
}

impl Scheduler {
    pub(crate) fn new(jobs: Vec<PeriodicJob>) -> Self {
        let next_due = vec![None; jobs.len()];
        Scheduler { jobs, next_due }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Leadership lost: a later leadership starts again from its own now.
    pub(crate) fn forget(&mut self) {
        self.next_due.fill(None);
    }

    /// Enqueues each job's latest tick that is due (at most one per job and check); the first
    /// check after becoming leader only notes the next tick.
    pub(crate) async fn run_once(&mut self, store: &dyn Store, now: SystemTime) {
        for (job, next_due) in self.jobs.iter().zip(self.next_due.iter_mut()) {
            let Some(due) = *next_due else {
                *next_due = job.schedule().next_after(now);
                continue;
            };
            if due > now {
                continue;
            }
            // The latest tick not after now; the ones before it are skipped, not made up for.
            let (mut tick, mut skipped) = (due, 0);
            while let Some(next) = job.schedule().next_after(tick) {
                if next > now || skipped == MAX_SKIPPED {
                    break;
                }
                tick = next;
                skipped += 1;
            }
            match store.job_insert_many(&[job.tick(tick)]).await {
                Ok(ids) => {
                    *next_due = job.schedule().next_after(tick);
                    tracing::debug!(
                        task = job.task(),
                        job.id = ids.first().map(|id| id.0),
                        skipped,
                        "tranq: periodic job enqueued"
                    );
                }
                Err(error) => {
                    // Tried again at the next check, for the same tick.
                    tracing::warn!(%error, task = job.task(), "tranq: periodic job not enqueued; retrying");
                }
            }
        }
    }
}
