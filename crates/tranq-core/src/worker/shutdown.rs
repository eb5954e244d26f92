//! Graceful shutdown: stop fetching, let running jobs finish within the grace period, release
//! the rest at once (not after their lease expires), then store every outcome.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::Shared;
use crate::job::Lease;

pub(crate) async fn run(
    shared: &Arc<Shared>,
    fetchers: Vec<JoinHandle<()>>,
    completer: JoinHandle<()>,
) {
    let started = tokio::time::Instant::now();
    let grace = shared.config.grace_period;
    tracing::info!(
        ?grace,
        running = shared.running_leases().len(),
        "tranq: shutting down"
    );
    shared.shutdown.cancel();
    for fetcher in fetchers {
        let _ = fetcher.await;
    }
    // Prefetched jobs that never started go back at once, for other workers.
    let buffered = shared.take_buffered();
    if !buffered.is_empty() {
        release(shared, &buffered).await;
    }
    shared.tracker.close();
    if tokio::time::timeout(grace, shared.tracker.wait())
        .await
        .is_err()
    {
        let leftovers: Vec<Lease> = shared
            .in_flight()
            .drain()
            .map(|(lease, attempt)| {
                attempt.abort.abort();
                lease
            })
            .collect();
        shared.tracker.wait().await;
        release(shared, &leftovers).await;
    }
    // Every executor has ended and dropped its sender: the completer drains and exits. While the
    // database fails, it keeps trying only until the grace period is over (at least a moment
    // after the last job ended), then gives up and returns.
    let mut completer = completer;
    let deadline = (started + grace).max(tokio::time::Instant::now() + MIN_TIME_TO_STORE);
    if tokio::time::timeout_at(deadline, &mut completer)
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "tranq: outcomes still not stored at the end of the grace period; giving up"
        );
        shared.stopped.cancel();
        let _ = completer.await;
    }
    shared.stopped.cancel();
}

/// Time the completer always gets after the last job ended, even past the grace period.
const MIN_TIME_TO_STORE: Duration = Duration::from_secs(1);

/// Puts unfinished jobs back at once (their attempt given back), trying a few times; what cannot
/// be released runs again when its lease expires.
pub(crate) async fn release(shared: &Shared, leases: &[Lease]) {
    if leases.is_empty() {
        return;
    }
    for attempt in 1..=5u32 {
        match shared.store.job_release_many(leases).await {
            Ok(released) => {
                tracing::info!(count = released.len(), "tranq: released unfinished jobs");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, attempt, "tranq: could not release unfinished jobs");
                tokio::time::sleep(super::fetcher::error_backoff(attempt)).await;
            }
        }
    }
    tracing::error!("tranq: unfinished jobs not released; they run again when their lease expires");
}
