//! The order check of [`ORDERED_QUEUE`](crate::ORDERED_QUEUE): an event is not published while
//! an earlier event of its subject is still waiting (retrying after a failure, rescued after a
//! crash, or not yet claimed).
//!
//! The queue runs one job at a time across every worker and is claimed in id order, so events
//! normally come in order; but a failed attempt goes back with a later `run_at` (its backoff),
//! and then the next event would be claimed first. This check is what keeps it from being
//! published: it snoozes, attempt given back, until the earlier event is due again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tranq_core::{JobFilter, JobId, JobInfo, JobState, Store, Task as _};

use crate::config::ORDERED_QUEUE;
use crate::publish::Publish;

/// Jobs read per page of the look-up.
const PAGE: u32 = 200;
/// How long an event waits for an earlier one that is running (its worker may be gone; its
/// lease then expires and it is rescued).
const WAIT_FOR_RUNNING: Duration = Duration::from_millis(500);
/// Added to the wait for an earlier event, so that the earlier one is claimed first.
const MARGIN: Duration = Duration::from_millis(20);

/// How long job `me` of `subject` must wait before it may be published: `None` when no earlier
/// event of its subject is unfinished.
pub(crate) async fn wait_for_earlier(
    store: &dyn Store,
    me: JobId,
    subject: &str,
) -> tranq_core::Result<Option<Duration>> {
    for state in [JobState::Running, JobState::Retryable, JobState::Available] {
        if let Some(earlier) = first_earlier(store, me, subject, state).await? {
            let wait = match earlier.state {
                JobState::Running => WAIT_FOR_RUNNING,
                _ => until(earlier.run_at_us) + MARGIN,
            };
            tracing::debug!(earlier = earlier.id.0, state = %earlier.state, "waiting for an earlier event");
            return Ok(Some(wait));
        }
    }
    Ok(None)
}

/// The first job of the ordered queue in `state` with an id below `me` and the same subject.
async fn first_earlier(
    store: &dyn Store,
    me: JobId,
    subject: &str,
    state: JobState,
) -> tranq_core::Result<Option<JobInfo>> {
    let mut filter = JobFilter::new()
        .queue(ORDERED_QUEUE)
        .task(Publish::NAME)
        .state(state)
        .limit(PAGE);
    loop {
        let page = store.job_list(&filter).await?;
        for job in &page {
            if job.id.0 >= me.0 {
                return Ok(None);
            }
            if job.args.get("subject").and_then(|s| s.as_str()) == Some(subject) {
                return Ok(Some(job.clone()));
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => filter = filter.after(last.id),
            _ => return Ok(None),
        }
    }
}

/// Time from now until `at_us` (µs since the epoch), zero when past.
fn until(at_us: i64) -> Duration {
    let now_us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Duration::from_micros(u64::try_from(at_us.saturating_sub(now_us)).unwrap_or(0))
}
