//! Extends the leases of this worker's running jobs, all in one statement, every third of the
//! lease, so that only a dead or cut-off worker's jobs expire.

use std::sync::Arc;

use super::Shared;

pub(crate) async fn run(shared: Arc<Shared>) {
    let every = shared.config.lease / 3;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shared.stopped.cancelled() => return,
        }
        let leases = shared.running_leases();
        if leases.is_empty() {
            continue;
        }
        match shared
            .store
            .job_heartbeat_many(&leases, shared.config.lease)
            .await
        {
            Ok(held) if held.len() < leases.len() => {
                // A job that finished meanwhile (its completion stored before this statement
                // ran) is not lost: only warn about jobs this worker still holds.
                let still = shared.running_leases();
                let lost = leases
                    .iter()
                    .filter(|l| !held.contains(&l.id) && still.contains(l));
                for lease in lost {
                    tracing::warn!(
                        job.id = lease.id.0,
                        "tranq: lease lost (job rescued elsewhere); its outcome will be rejected"
                    );
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "tranq: heartbeat failed; retrying next tick"),
        }
    }
}
