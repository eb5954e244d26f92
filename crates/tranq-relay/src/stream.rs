//! The stream the relay publishes into, and how long its duplicate window must be.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::error::{Error, Result};

/// A duplicate window that covers tranq's defaults: a 30 s lease, a 5 s rescue interval and
/// retry delays up to 1 h, plus a margin ([`duplicate_window`]`(30 s, 5 s, 1 h)` rounded up to
/// 2 h).
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(2 * 3600);

/// The shortest duplicate window that drops every copy the relay can publish again, for a
/// worker with this `lease`, `rescue_interval` and longest retry delay.
///
/// JetStream drops a message whose `Nats-Msg-Id` it saw within the window. The relay publishes
/// an event again only when the acknowledged attempt was not recorded as done: its worker
/// died, or lost its lease, between the ack and the completion. The job then runs again once
/// its lease has expired (up to `lease`), the rescuer has seen it (up to `rescue_interval`) and
/// its retry delay has passed (up to `max_retry_delay`: the worker's backoff ceiling, 1 h by
/// default, which is also the rescuer's). The window must be at least that long; this adds a
/// minute for claim latency and clock drift.
///
/// ```
/// use std::time::Duration;
///
/// let window = tranq_relay::duplicate_window(
///     Duration::from_secs(30),
///     Duration::from_secs(5),
///     Duration::from_secs(3600),
/// );
/// assert!(window <= tranq_relay::DEFAULT_DUPLICATE_WINDOW);
/// ```
pub fn duplicate_window(
    lease: Duration,
    rescue_interval: Duration,
    max_retry_delay: Duration,
) -> Duration {
    lease + rescue_interval + max_retry_delay + Duration::from_secs(60)
}

/// Creates the stream `name` over `subjects` with this duplicate window, or returns it as it
/// is when it exists. A convenience for examples and tests: production streams are usually
/// managed with the `nats` CLI or infrastructure code, with the window set as above.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::connect("127.0.0.1:4222").await?;
/// let jetstream = async_nats::jetstream::new(client);
/// tranq_relay::ensure_stream(
///     &jetstream,
///     "ORDERS",
///     vec!["orders.>".into()],
///     tranq_relay::DEFAULT_DUPLICATE_WINDOW,
/// )
/// .await?;
/// # Ok(()) }
/// ```
pub async fn ensure_stream(
    jetstream: &jetstream::Context,
    name: &str,
    subjects: Vec<String>,
    duplicate_window: Duration,
) -> Result<stream::Stream> {
    jetstream
        .get_or_create_stream(stream::Config {
            name: name.to_owned(),
            subjects,
            duplicate_window,
            ..Default::default()
        })
        .await
        .map_err(|e| Error::Stream {
            name: name.to_owned(),
            source: Box::new(e),
        })
}
