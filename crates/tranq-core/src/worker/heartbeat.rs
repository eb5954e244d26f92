//! Extends the leases of this worker's running jobs, all in one statement, every third of the
//! lease, so that only a dead or cut-off worker's jobs expire. An attempt whose lease turns out
//! lost (it expired, and the job was rescued) is called off: its `ctx.cancelled()` fires. So is
//! an attempt whose job was asked to cancel (`store.cancel(id)` on a running job; on PostgreSQL
//! the notifier hears of it first).

use std::sync::Arc;

use super::Shared;
use crate::job::{JobId, Lease};

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
        let sent = std::time::Instant::now();
        match shared
            .store
            .job_heartbeat_many(&leases, shared.config.lease)
            .await
        {
            Ok(held) if held.len() < leases.len() => {
                // A job that finished meanwhile (its completion stored before this statement
                // ran) is not lost: only attempts this worker still runs are called off, and
                // claimed-ahead jobs it still holds are dropped.
                for lease in lost(&leases, &held) {
                    if shared.call_off(lease) {
                        tracing::warn!(
                            job.id = lease.id.0,
                            "tranq: lease lost (the job was rescued); the attempt is called off and its outcome will be rejected"
                        );
                    } else if shared.drop_buffered(lease) {
                        tracing::warn!(
                            job.id = lease.id.0,
                            "tranq: lease of a job claimed ahead lost (the job was rescued); not run"
                        );
                    }
                }
            }
            Ok(_) => shared.set_leases_renewed_at(sent),
            Err(error) => {
                shared.count_if_deadlock(&error);
                tracing::warn!(%error, "tranq: heartbeat failed; retrying next tick");
            }
        }
        call_off_cancelled(&shared).await;
    }
}

/// Calls off the attempts running here whose job was asked to cancel.
pub(crate) async fn call_off_cancelled(shared: &Shared) {
    let running = shared.in_flight_ids();
    match shared.store.job_cancel_requested(&running).await {
        Ok(ids) => {
            for id in ids {
                if shared.request_cancel(id) {
                    tracing::info!(
                        job.id = id.0,
                        "tranq: job asked to cancel; its attempt is called off"
                    );
                }
            }
        }
        Err(error) => {
            tracing::warn!(%error, "tranq: cannot read cancel requests; trying next tick")
        }
    }
}

/// The leases not held: their job's id is not among `held`, or this worker also holds a newer
/// claim of the same job (tokens grow; a row has one current token).
fn lost<'a>(leases: &'a [Lease], held: &[JobId]) -> impl Iterator<Item = &'a Lease> {
    leases.iter().filter(move |l| {
        !held.contains(&l.id)
            || leases
                .iter()
                .any(|other| other.id == l.id && other.token > l.token)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_two_attempts_of_one_job_the_older_is_lost() {
        let lease = |id, token| Lease {
            id: JobId(id),
            token,
        };
        let leases = [lease(1, 10), lease(2, 5), lease(1, 20), lease(3, 7)];
        let held = [JobId(1), JobId(2)];
        let lost: Vec<&Lease> = lost(&leases, &held).collect();
        assert_eq!(lost, vec![&lease(1, 10), &lease(3, 7)]);
    }
}
