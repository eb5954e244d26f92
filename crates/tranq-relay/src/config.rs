//! [`RelayConfig`]: how a worker relays events.

use std::time::Duration;

use crate::error::{Error, Result};

/// The queue of [`Publish`](crate::Publish) jobs: events in no particular order.
pub const RELAY_QUEUE: &str = "tranq.relay";
/// The queue of [`Publish::ordered`](crate::Publish::ordered) jobs: events published in order
/// per subject.
pub const ORDERED_QUEUE: &str = "tranq.relay.ordered";
/// Events of [`RELAY_QUEUE`] a worker publishes at once (their acks are awaited together).
pub const DEFAULT_CONCURRENCY: u32 = 64;
/// How long one attempt keeps trying to publish while NATS is unreachable before it fails and
/// the job is retried after its backoff.
pub const DEFAULT_PUBLISH_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one publish waits for JetStream's acknowledgement.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of the relay a worker runs ([`RelayWorker::relay`](crate::RelayWorker::relay)).
///
/// ```
/// use std::time::Duration;
/// use tranq_relay::RelayConfig;
///
/// let config = RelayConfig::new()
///     .concurrency(128)
///     .ordered(true)
///     .publish_timeout(Duration::from_secs(10))
///     .message_id_prefix("shop-db:");
/// config.validate()?;
/// # Ok::<(), tranq_relay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RelayConfig {
    pub(crate) concurrency: u32,
    pub(crate) ordered: bool,
    pub(crate) publish_timeout: Duration,
    pub(crate) ack_timeout: Duration,
    pub(crate) message_id_prefix: String,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl RelayConfig {
    /// Unordered events only, 64 at a time, with the default timeouts and no message id
    /// prefix.
    pub fn new() -> Self {
        RelayConfig {
            concurrency: DEFAULT_CONCURRENCY,
            ordered: false,
            publish_timeout: DEFAULT_PUBLISH_TIMEOUT,
            ack_timeout: DEFAULT_ACK_TIMEOUT,
            message_id_prefix: String::new(),
        }
    }
    /// Unordered events this worker publishes at once (default 64).
    pub fn concurrency(mut self, n: u32) -> Self {
        self.concurrency = n;
        self
    }
    /// Also relay [`ORDERED_QUEUE`], one event at a time across every worker (default: no).
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }
    /// How long one attempt retries while NATS does not answer (default 20 s); then the job
    /// fails and waits for its backoff. Keep it below the lease's renewal margin: the worker
    /// renews the lease meanwhile, so any value works, but a long one holds a slot longer.
    pub fn publish_timeout(mut self, timeout: Duration) -> Self {
        self.publish_timeout = timeout;
        self
    }
    /// How long one publish waits for JetStream's acknowledgement (default 5 s).
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }
    /// Put before the job id in `Nats-Msg-Id` (default none): needed when several databases
    /// relay into one stream, whose job ids would otherwise collide.
    pub fn message_id_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.message_id_prefix = prefix.into();
        self
    }

    /// Checks that the settings can work.
    pub fn validate(&self) -> Result<()> {
        if self.concurrency == 0 {
            return Err(Error::Config("concurrency must be at least 1".into()));
        }
        if self.ack_timeout.is_zero() || self.publish_timeout.is_zero() {
            return Err(Error::Config("timeouts must be longer than zero".into()));
        }
        if self.message_id_prefix.contains(['\r', '\n']) {
            return Err(Error::Config(
                "the message id prefix cannot contain line breaks".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn settings_that_cannot_work_are_refused_with_the_reason() {
        for (config, message) in [
            (
                RelayConfig::new().concurrency(0),
                "invalid relay config: concurrency must be at least 1",
            ),
            (
                RelayConfig::new().ack_timeout(Duration::ZERO),
                "invalid relay config: timeouts must be longer than zero",
            ),
            (
                RelayConfig::new().message_id_prefix("a\nb"),
                "invalid relay config: the message id prefix cannot contain line breaks",
            ),
        ] {
            assert_eq!(config.validate().unwrap_err().to_string(), message);
        }
        RelayConfig::default().validate().unwrap();
    }
}
