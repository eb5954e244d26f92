//! The outbox relay of tranq: events written in the caller's own database transaction, as jobs,
//! and published to NATS JetStream by the worker once the transaction has committed.
//!
//! - [`Publish::enqueue_in`] writes an [`Event`] as a job on any adapter's connection or
//!   transaction: it commits with the business data or not at all.
//! - [`RelayWorker::relay`] makes a worker publish those jobs: each event goes to JetStream with
//!   the job id as `Nats-Msg-Id`, and the job completes only after JetStream acknowledged it.
//!   A job runs at least once, so an event may be published again after a crash; the stream's
//!   duplicate window drops the copy ([`duplicate_window`] says how long it must be).
//! - [`Publish::ordered`] keeps the order of events per subject: one in flight at a time, and
//!   none published while an earlier event of its subject is still waiting.
//!
//! This crate is semver exempt: depend on `tranq` with the `relay` feature (or pin `=x.y.z`).

mod config;
mod error;
mod event;
mod order;
mod publish;
mod stream;
mod worker;

pub use config::{
    DEFAULT_ACK_TIMEOUT, DEFAULT_CONCURRENCY, DEFAULT_PUBLISH_TIMEOUT, ORDERED_QUEUE, RELAY_QUEUE,
    RelayConfig,
};
pub use error::{Error, Result};
pub use event::Event;
pub use publish::{MESSAGE_ID_HEADER, Publish, Relay};
pub use stream::{DEFAULT_DUPLICATE_WINDOW, duplicate_window, ensure_stream};
pub use worker::RelayWorker;

/// The NATS client the relay is built on, re-exported so that its version matches.
pub use async_nats;
