//! Worker settings, their defaults and their checks.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::maintenance::{DEFAULT_LEADER_TTL, DEFAULT_PRUNE_INTERVAL, DEFAULT_RETENTION};
use crate::new_job::validate_queue;
use crate::worker::Backoff;

/// How long a claim lasts without a heartbeat.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// How often an idle queue looks for work while the database pushes notifications (LISTEN).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often an idle queue looks for work when nothing pushes notifications (MySQL, SQLite,
/// sync Diesel, or while the notification connection is down).
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
    /// Queues with a global concurrency limit, across every worker.
    pub(crate) global_concurrency: Vec<(String, u32)>,
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
            global_concurrency: Vec::new(),
            queue_depth_interval: None,
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned())
}

impl WorkerConfig {
    /// The global concurrency limit of `queue`, if it has one.
    pub(crate) fn global_concurrency(&self, queue: &str) -> Option<u32> {
        self.global_concurrency
            .iter()
            .find(|(q, _)| q == queue)
            .map(|&(_, limit)| limit)
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
