//! The closing numbers, computed from the database and the HTTP answers, and the invariants
//! they must meet.

mod table;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait};
use tranq::JobState;

use crate::driver::Outcome;
use crate::entities::{invoices, orders};
use crate::monitor::Run;
use crate::tasks::PROVIDER_ERROR;
use crate::worker;

/// The numbers the demo ends with.
pub(crate) struct Report {
    placed: usize,
    committed: usize,
    declined: usize,
    failed: usize,
    /// The first unexpected HTTP error, if any.
    first_error: Option<String>,
    invoices: usize,
    lost: usize,
    ghosts: usize,
    jobs_completed: usize,
    jobs_expected: usize,
    retries: usize,
    provider_errors: usize,
    lease_expiries: usize,
    duplicates: i64,
    restarts: u32,
    jobs_per_s: f64,
    /// Orders per second asked for (0: as fast as the shop answered).
    rate: f64,
    /// How an idle worker learns of new jobs.
    wake_up: String,
    pickup_p50_ms: Option<f64>,
    pickup_p99_ms: Option<f64>,
    pickup_samples: usize,
    elapsed: Duration,
    /// Broken invariants, in words.
    failures: Vec<String>,
}

/// Reads what the run left in the database and checks it against what the clients were told.
pub(crate) async fn collect(
    db: &DatabaseConnection,
    run: &Run,
    rate: f64,
    elapsed: Duration,
) -> Result<Report, DbErr> {
    let orders = orders::Entity::find().all(db).await?;
    let invoices = invoices::Entity::find().all(db).await?;

    let mut answered_201 = HashMap::new();
    let (mut declined, mut failed) = (0, 0);
    let mut first_error = None;
    for outcome in &run.outcomes {
        match outcome {
            Outcome::Committed { order_ref, created } => {
                answered_201.insert(*order_ref, created);
            }
            Outcome::Declined => declined += 1,
            Outcome::Failed { error } => {
                failed += 1;
                first_error.get_or_insert_with(|| error.clone());
            }
        }
    }
    let mut failures = Vec::new();

    // The orders in the database are exactly the ones answered 201.
    let stored: HashSet<(i64, i64)> = orders.iter().map(|o| (o.order_ref, o.id)).collect();
    let told: HashSet<(i64, i64)> = answered_201.iter().map(|(r, c)| (*r, c.order_id)).collect();
    if stored != told {
        failures.push(format!(
            "the database holds {} orders that were not answered 201, and lacks {} that were",
            stored.difference(&told).count(),
            told.difference(&stored).count()
        ));
    }

    // Every committed order has its invoice; no invoice without a committed order.
    let invoiced: HashSet<(i64, i64)> =
        invoices.iter().map(|i| (i.order_ref, i.order_id)).collect();
    let lost = stored.difference(&invoiced).count();
    let ghosts = invoiced.difference(&stored).count()
        + invoices.iter().map(|i| i.conflicts as usize).sum::<usize>();
    if lost > 0 {
        failures.push(format!("{lost} committed orders have no invoice"));
    }
    if ghosts > 0 {
        failures.push(format!("{ghosts} invoices belong to rolled-back orders"));
    }

    // Every job of a committed order completed; count its failed attempts by cause.
    let jobs: Vec<_> = run.jobs.iter().flatten().collect();
    let jobs_completed = jobs
        .iter()
        .filter(|j| j.state == JobState::Completed)
        .count();
    if jobs_completed != run.jobs.len() {
        failures.push(format!(
            "{} of {} jobs did not complete",
            run.jobs.len() - jobs_completed,
            run.jobs.len()
        ));
    }
    let errors: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.errors.iter().map(|e| e.message.as_str()))
        .collect();
    let provider_errors = errors.iter().filter(|m| **m == PROVIDER_ERROR).count();
    let lease_expiries = errors
        .iter()
        .filter(|m| m.starts_with("lease expired"))
        .count();

    // Pickup latency: commit -> handler start, for invoices sent by a job's first attempt.
    let mut pickups: Vec<i64> = invoices
        .iter()
        .filter(|i| i.attempt == 1)
        .filter_map(|i| {
            let committed = answered_201.get(&i.order_ref)?.committed_us;
            Some((i.picked_up_us - committed).max(0))
        })
        .collect();
    pickups.sort_unstable();
    let last_sent_us = invoices.iter().map(|i| i.picked_up_us).max();

    Ok(Report {
        placed: run.outcomes.len(),
        committed: orders.len(),
        declined,
        failed,
        first_error,
        invoices: invoices.len(),
        lost,
        ghosts,
        jobs_completed,
        jobs_expected: run.jobs.len(),
        retries: errors.len(),
        provider_errors,
        lease_expiries,
        duplicates: invoices.iter().map(|i| i64::from(i.duplicates)).sum(),
        restarts: run.restarts,
        jobs_per_s: per_second(invoices.len(), run.started_us, last_sent_us),
        rate,
        wake_up: match db.get_database_backend() {
            DbBackend::Postgres => "an idle worker is woken by LISTEN/NOTIFY".into(),
            _ => format!("an idle worker polls every {:?}", worker::POLL_INTERVAL),
        },
        pickup_p50_ms: percentile_ms(&pickups, 0.50),
        pickup_p99_ms: percentile_ms(&pickups, 0.99),
        pickup_samples: pickups.len(),
        elapsed,
        failures,
    })
}

/// `count` events between `from_us` and `to_us` (microseconds), per second.
fn per_second(count: usize, from_us: i64, to_us: Option<i64>) -> f64 {
    let seconds = to_us.map_or(0.0, |to| (to - from_us) as f64 / 1e6);
    count as f64 / seconds.max(1e-3)
}

/// The value below which `q` of the sorted microsecond samples fall, in milliseconds.
fn percentile_ms(sorted_us: &[i64], q: f64) -> Option<f64> {
    let rank = (sorted_us.len() as f64 * q).ceil() as usize;
    let value = sorted_us.get(rank.saturating_sub(1))?;
    Some(*value as f64 / 1000.0)
}

impl Report {
    /// True when every invariant holds.
    pub(crate) fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_few_samples() {
        let us: Vec<i64> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile_ms(&us, 0.50), Some(50.0));
        assert_eq!(percentile_ms(&us, 0.99), Some(99.0));
        assert_eq!(percentile_ms(&[7000], 0.99), Some(7.0));
        assert_eq!(percentile_ms(&[], 0.5), None);
    }
}
