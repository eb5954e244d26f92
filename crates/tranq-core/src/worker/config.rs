//! Worker settings, their defaults and their checks.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::maintenance::{DEFAULT_LEADER_TTL, DEFAULT_PRUNE_INTERVAL, DEFAULT_RETENTION};
use crate::new_job::validate_queue;
use crate::store::QueueLimits;
use crate::worker::Backoff;

/// How long a claim lasts without a heartbeat.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// How often an idle queue looks for work while the database pushes notifications (LISTEN).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often an idle queue looks for work when nothing pushes notifications (MySQL, SQLite,
/// sync Diesel, or while the notification connection is down). An enqueue made in the worker's
/// own process wakes the queue sooner (`local_wake.rs`).
pub const DEFAULT_POLL_INTERVAL_WITHOUT_NOTIFY: Duration = Duration::from_millis(100);
/// How long graceful shutdown waits for running jobs before releasing them.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(30);
/// How often expired leases are looked for.
pub const DEFAULT_RESCUE_INTERVAL: Duration = Duration::from_secs(5);
/// Most completions stored in one statement.
pub const DEFAULT_COMPLETION_BATCH: usize = 500;

/// Largest prefetch buffer a queue grows to by default (see
/// [`WorkerBuilder::prefetch`](crate::WorkerBuilder::prefetch)).
pub const DEFAULT_MAX_PREFETCH: usize = 512;

/// Settings of a [`Worker`](crate::Worker); built through [`WorkerBuilder`](crate::WorkerBuilder).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub(crate) queues: Vec<(String, u32)>,
    pub(crate) worker_id: String,
    pub(crate) lease: Duration,
    pub(crate) poll_interval: Option<Duration>,
    pub(crate) grace_period: Duration,
    pub(crate) rescue_interval: Duration,
    pub(crate) completion_batch: usize,
    pub(crate) backoff: Backoff,
    pub(crate) prefetch: Option<u32>,
    pub(crate) delete_completed: bool,
    pub(crate) leader_ttl: Duration,
    pub(crate) retention: Duration,
    pub(crate) prune_interval: Duration,
    /// Queues with limits that every worker's claim enforces (global and per-key concurrency,
    /// rate).
    pub(crate) limits: Vec<(String, QueueLimits)>,
    /// How often the leader samples the queue-depth gauges; `None`: never.
    pub(crate) queue_depth_interval: Option<Duration>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            queues: Vec::new(),
            worker_id: format!("{}-{:016x}", hostname(), fastrand::u64(..)),
            lease: DEFAULT_LEASE,
            poll_interval: None,
            grace_period: DEFAULT_GRACE_PERIOD,
            rescue_interval: DEFAULT_RESCUE_INTERVAL,
            completion_batch: DEFAULT_COMPLETION_BATCH,
            backoff: Backoff::default(),
            prefetch: None,
            delete_completed: false,
            leader_ttl: DEFAULT_LEADER_TTL,
            retention: DEFAULT_RETENTION,
            prune_interval: DEFAULT_PRUNE_INTERVAL,
            limits: Vec::new(),
            queue_depth_interval: None,
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned())
}

impl WorkerConfig {
    /// The limits of `queue`, if it has any.
    pub(crate) fn limits(&self, queue: &str) -> Option<QueueLimits> {
        self.limits
            .iter()
            .find(|(q, _)| q == queue)
            .map(|&(_, limits)| limits)
            .filter(QueueLimits::any)
    }

    /// The limits of `queue`, to change.
    pub(crate) fn limits_mut(&mut self, queue: String) -> &mut QueueLimits {
        let at = match self.limits.iter().position(|(q, _)| *q == queue) {
            Some(at) => at,
            None => {
                self.limits.push((queue, QueueLimits::default()));
                self.limits.len() - 1
            }
        };
        &mut self.limits[at].1
    }

    /// Checks that the settings can work together.
    pub fn validate(&self) -> Result<()> {
        if self.queues.is_empty() {
            return Err(Error::Config(
                "no queues: add at least one with `.queue(name, concurrency)`".into(),
            ));
        }
        for (i, (name, concurrency)) in self.queues.iter().enumerate() {
            validate_queue(name)?;
            if *concurrency == 0 {
                return Err(Error::Config(format!(
                    "queue {name:?} has concurrency 0: give it at least 1"
                )));
            }
            if self.queues[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::Config(format!("queue {name:?} is listed twice")));
            }
        }
        if self.lease < Duration::from_millis(300) {
            return Err(Error::Config(format!(
                "lease of {:?} is too short: heartbeats run every third of it; use at least 300ms",
                self.lease
            )));
        }
        if self.worker_id.is_empty() || self.worker_id.len() > 255 {
            return Err(Error::Config(format!(
                "worker id {:?} must be 1 to 255 bytes long",
                self.worker_id
            )));
        }
        if self.leader_ttl < Duration::from_millis(300) {
            return Err(Error::Config(format!(
                "leader lease of {:?} is too short: it is renewed every third of it; use at least 300ms",
                self.leader_ttl
            )));
        }
        for (name, interval) in [
            ("rescue", self.rescue_interval),
            ("prune", self.prune_interval),
            (
                "queue depth",
                self.queue_depth_interval.unwrap_or(Duration::MAX),
            ),
        ] {
            if interval.is_zero() {
                return Err(Error::Config(format!(
                    "{name} interval must be longer than zero"
                )));
            }
        }
        for (queue, limits) in &self.limits {
            validate_limits(queue, limits)?;
        }
        if self.completion_batch == 0 {
            return Err(Error::Config(
                "completion batch size must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Smallest and largest prefetch buffer of a queue of `concurrency` slots.
    pub(crate) fn prefetch_range(&self, concurrency: u32) -> (usize, usize) {
        match self.prefetch {
            Some(fixed) => (fixed as usize, fixed as usize),
            None => {
                let min = concurrency as usize;
                (min, min.max(DEFAULT_MAX_PREFETCH))
            }
        }
    }

    /// The queue names.
    pub(crate) fn queue_names(&self) -> Vec<&str> {
        self.queues.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Longest period of a rate limit.
const MAX_RATE_PERIOD: Duration = Duration::from_secs(31 * 24 * 3600);

/// Limits that let jobs run: none of them 0, a rate's period of 1 ms to 31 days.
fn validate_limits(queue: &str, limits: &QueueLimits) -> Result<()> {
    let zero = |what: &str| {
        Err(Error::Config(format!(
            "queue {queue:?}: {what} is 0, so no job would ever run; give at least 1"
        )))
    };
    if limits.max_running == Some(0) {
        return zero("global_concurrency");
    }
    if limits.max_running_per_key == Some(0) {
        return zero("concurrency_per_key");
    }
    if let Some(rate) = limits.rate {
        if rate.allowed == 0 {
            return zero("the rate limit's allowed jobs");
        }
        if rate.period < Duration::from_millis(1) || rate.period > MAX_RATE_PERIOD {
            return Err(Error::Config(format!(
                "queue {queue:?}: a rate limit's period of {:?} is out of range; use 1ms to 31 days",
                rate.period
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RateLimit;

    fn with_limits(limits: QueueLimits) -> Result<()> {
        let mut config = WorkerConfig {
            queues: vec![("hooks".to_owned(), 4)],
            ..WorkerConfig::default()
        };
        *config.limits_mut("hooks".to_owned()) = limits;
        config.validate()
    }

    #[test]
    fn limits_that_would_never_run_a_job_are_refused_with_the_fix() {
        let rate = |allowed, period| QueueLimits {
            rate: Some(RateLimit { allowed, period }),
            ..QueueLimits::default()
        };
        for (limits, says) in [
            (
                QueueLimits {
                    max_running: Some(0),
                    ..QueueLimits::default()
                },
                "global_concurrency is 0",
            ),
            (
                QueueLimits {
                    max_running_per_key: Some(0),
                    ..QueueLimits::default()
                },
                "concurrency_per_key is 0",
            ),
            (rate(0, Duration::from_secs(1)), "allowed jobs is 0"),
            (rate(5, Duration::ZERO), "use 1ms to 31 days"),
            (
                rate(5, Duration::from_secs(40 * 86_400)),
                "use 1ms to 31 days",
            ),
        ] {
            let error = with_limits(limits).expect_err("refused").to_string();
            assert!(
                error.contains("\"hooks\"") && error.contains(says),
                "{error}"
            );
        }
        assert!(with_limits(rate(100, Duration::from_secs(60))).is_ok());
    }

    #[test]
    fn limits_set_one_by_one_add_up_per_queue() {
        let mut config = WorkerConfig::default();
        config.limits_mut("a".to_owned()).max_running = Some(3);
        config.limits_mut("a".to_owned()).max_running_per_key = Some(1);
        config.limits_mut("b".to_owned());
        assert_eq!(
            config.limits("a"),
            Some(QueueLimits {
                max_running: Some(3),
                max_running_per_key: Some(1),
                rate: None
            })
        );
        assert_eq!(config.limits("b"), None, "no limit set is no limit");
        assert_eq!(config.limits("c"), None);
    }
}
