//! [`RelayWorker`]: `.relay(jetstream, config)` on a worker builder.

use async_nats::jetstream;
use tranq_core::WorkerBuilder;

use crate::config::{ORDERED_QUEUE, RELAY_QUEUE, RelayConfig};
use crate::error::Result;
use crate::publish::Relay;

/// Adds the relay to a worker: `Worker::builder(store).relay(jetstream, config)?`.
pub trait RelayWorker: Sized {
    /// Makes the worker publish [`Publish`](crate::Publish) jobs through `jetstream`: it serves
    /// [`RELAY_QUEUE`] with the config's concurrency and, when the config says
    /// [`ordered`](RelayConfig::ordered), [`ORDERED_QUEUE`] one job at a time across every
    /// worker (a global concurrency limit of 1). Fails when the config does not
    /// [`validate`](RelayConfig::validate).
    ///
    /// ```no_run
    /// # async fn demo(store: impl tranq_core::Store + 'static) -> Result<(), Box<dyn std::error::Error>> {
    /// use tranq_relay::{RelayConfig, RelayWorker as _};
    ///
    /// let client = async_nats::connect("127.0.0.1:4222").await?;
    /// let worker = tranq_core::Worker::builder(store)
    ///     .queue("default", 8)
    ///     .relay(async_nats::jetstream::new(client), RelayConfig::new().ordered(true))?
    ///     .build()?;
    /// # let _ = worker; Ok(()) }
    /// ```
    fn relay(self, jetstream: jetstream::Context, config: RelayConfig) -> Result<Self>;
}

impl RelayWorker for WorkerBuilder {
    fn relay(self, jetstream: jetstream::Context, config: RelayConfig) -> Result<Self> {
        let relay = Relay::new(jetstream, self.store_handle(), config.clone())?;
        let mut builder = self.state(relay).queue(RELAY_QUEUE, config.concurrency);
        if config.ordered {
            builder = builder
                .queue(ORDERED_QUEUE, 1)
                .global_concurrency(ORDERED_QUEUE, 1);
        }
        Ok(builder)
    }
}
