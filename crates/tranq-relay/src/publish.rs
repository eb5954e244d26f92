//! [`Publish`], the relay's task, and [`Relay`], the state it publishes with.

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::header::{HeaderMap, HeaderName, HeaderValue};
use async_nats::jetstream::{self, context::PublishErrorKind};
use futures::future::BoxFuture;
use tracing::Instrument as _;
use tranq_core::{
    Executor, JobBuilder, JobId, Registration, StateType, Store, Task, TaskContext, TaskError,
    TaskOptions, TaskResult,
};

use crate::config::{ORDERED_QUEUE, RELAY_QUEUE, RelayConfig};
use crate::error::{Error, Result};
use crate::event::Event;

/// The header JetStream deduplicates on; the relay sets it to the job id.
pub const MESSAGE_ID_HEADER: &str = "Nats-Msg-Id";

/// First wait between two tries of one attempt while NATS does not answer; it doubles.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(50);
/// Longest wait between two tries of one attempt.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(2);
/// Shortest wait for an ack, even when the attempt's time is up.
const MIN_ACK_WAIT: Duration = Duration::from_millis(10);

/// The relay's task: a job whose arguments are an [`Event`], published by a worker that runs
/// the relay ([`RelayWorker::relay`](crate::RelayWorker::relay)).
///
/// Enqueueing is writing the event in the caller's transaction, through any adapter (here on
/// any connection `conn` an adapter takes, as `&txn` on SeaORM):
///
/// ```
/// use tranq_core::{Executor, JobId};
/// use tranq_relay::{Event, Publish};
///
/// /// The event of a new order, in the transaction that inserts it.
/// fn order_created<C: Executor<Via>, Via>(conn: C, order: i64) -> C::Output<JobId> {
///     Publish::enqueue_in(conn, Event::new("orders.created", order.to_string()))
/// }
///
/// /// An order's status change, published after the earlier ones of that order.
/// fn order_paid<C: Executor<Via>, Via>(conn: C, order: i64) -> C::Output<JobId> {
///     Publish::ordered().enqueue_in(conn, Event::new(format!("orders.{order}"), "paid"))
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Publish;

impl Task for Publish {
    type Args = Event;
    const NAME: &'static str = "tranq.relay.publish";
    const OPTIONS: TaskOptions = TaskOptions::new().queue(RELAY_QUEUE);
    const STATE: Option<StateType> = Some(StateType::of::<Relay>());

    fn run(ctx: TaskContext, event: Event) -> BoxFuture<'static, TaskResult> {
        Box::pin(async move {
            let Some(relay) = ctx.state::<Relay>() else {
                return Err(TaskError::retry(
                    "this worker runs no relay: build it with `.relay(jetstream, config)`",
                ));
            };
            relay.publish(&ctx, event).await
        })
    }
}

tranq_core::__private::inventory::submit! {
    Registration::of::<Publish>(file!(), line!())
}

impl Publish {
    /// Options for one event, starting from the defaults (queue [`RELAY_QUEUE`]).
    pub fn builder() -> JobBuilder<Publish> {
        JobBuilder::new()
    }

    /// Options for an event published in order with the other events of its subject (queue
    /// [`ORDERED_QUEUE`], relayed by workers whose config has
    /// [`ordered(true)`](RelayConfig::ordered)).
    pub fn ordered() -> JobBuilder<Publish> {
        JobBuilder::new().queue(ORDERED_QUEUE)
    }

    /// Writes `event` as a job on `conn` (inside the caller's transaction when `conn` is one):
    /// it is published once the transaction commits, and never if it rolls back. What it
    /// returns is the adapter's, as for any task's `enqueue_in`.
    pub fn enqueue_in<C: Executor<Via>, Via>(conn: C, event: Event) -> C::Output<JobId> {
        Self::builder().enqueue_in(conn, event)
    }

    /// Writes many events in one statement; returns their job ids in order.
    pub fn enqueue_many_in<C: Executor<Via>, Via>(
        conn: C,
        events: impl IntoIterator<Item = Event>,
    ) -> C::Output<Vec<JobId>> {
        Self::builder().enqueue_many_in(conn, events)
    }
}

/// What a relaying worker publishes with: a JetStream context, the job store (for the order
/// check) and the settings. Given to the worker as its state by
/// [`RelayWorker::relay`](crate::RelayWorker::relay).
#[derive(Clone)]
pub struct Relay {
    inner: Arc<Inner>,
}

struct Inner {
    jetstream: jetstream::Context,
    store: Arc<dyn Store>,
    config: RelayConfig,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Why one try to publish failed.
enum Failure {
    /// NATS may take it later: try again.
    Transient(Error),
    /// It will never be taken: cancel the job.
    Permanent(Error),
}

impl Relay {
    /// A relay publishing through `jetstream`, reading jobs of `store`.
    pub(crate) fn new(
        jetstream: jetstream::Context,
        store: Arc<dyn Store>,
        config: RelayConfig,
    ) -> Result<Self> {
        config.validate()?;
        Ok(Relay {
            inner: Arc::new(Inner {
                jetstream,
                store,
                config,
            }),
        })
    }

    /// The settings.
    pub fn config(&self) -> &RelayConfig {
        &self.inner.config
    }

    /// One attempt of a [`Publish`] job: publishes `event` with the job id as `Nats-Msg-Id`
    /// and succeeds once JetStream acknowledged it; the job's result is the ack
    /// (`{"stream": …, "seq": …, "duplicate": …}`, `duplicate` when JetStream dropped this
    /// copy). While NATS does not answer it tries again (50 ms doubling to 2 s) for up to the
    /// publish timeout, then fails: the job is retried after its backoff. At shutdown it gives
    /// the attempt back. An event NATS can never take is cancelled with the reason.
    async fn publish(&self, ctx: &TaskContext, event: Event) -> TaskResult {
        let span = tracing::info_span!(
            "tranq.relay.publish",
            job = ctx.job_id().0,
            subject = %event.subject,
            attempt = ctx.attempt()
        );
        async move {
            event.check().map_err(TaskError::cancel)?;
            if ctx.queue() == ORDERED_QUEUE
                && let Some(wait) =
                    crate::order::wait_for_earlier(&*self.inner.store, ctx.job_id(), &event.subject)
                        .await
                        .map_err(TaskError::retry)?
            {
                tracing::debug!(?wait, "an earlier event of this subject is still waiting");
                return Err(TaskError::snooze(wait));
            }
            let message_id = format!("{}{}", self.inner.config.message_id_prefix, ctx.job_id().0);
            let headers = headers(&event, &message_id).map_err(TaskError::cancel)?;
            let payload = bytes::Bytes::from(event.payload);
            let deadline = Instant::now() + self.inner.config.publish_timeout;
            let mut delay = FIRST_RETRY_DELAY;
            loop {
                // One try waits for its ack no longer than the attempt has left.
                let wait = deadline
                    .saturating_duration_since(Instant::now())
                    .min(self.inner.config.ack_timeout)
                    .max(MIN_ACK_WAIT);
                match self.try_publish(&event.subject, &headers, &payload, wait).await {
                    Ok(ack) => {
                        tracing::debug!(
                            stream = %ack.stream,
                            seq = ack.sequence,
                            duplicate = ack.duplicate,
                            "published"
                        );
                        return Ok(Some(serde_json::json!({
                            "stream": ack.stream,
                            "seq": ack.sequence,
                            "duplicate": ack.duplicate,
                        })));
                    }
                    Err(Failure::Permanent(e)) => return Err(TaskError::cancel(report(&e))),
                    Err(Failure::Transient(e)) => {
                        if ctx.is_shutting_down() {
                            // Not this attempt's fault: back in the queue, attempt given back.
                            return Err(TaskError::snooze(Duration::ZERO));
                        }
                        if Instant::now() + delay > deadline || ctx.is_cancelled() {
                            return Err(TaskError::retry(report(&e)));
                        }
                        tracing::debug!(error = %report(&e), ?delay, "NATS did not take it; trying again");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(MAX_RETRY_DELAY);
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn try_publish(
        &self,
        subject: &str,
        headers: &HeaderMap,
        payload: &bytes::Bytes,
        wait: Duration,
    ) -> Result<jetstream::publish::PublishAck, Failure> {
        let failure = |e: jetstream::context::PublishError| {
            let permanent = matches!(e.kind(), PublishErrorKind::MaxPayloadExceeded);
            let e = Error::Publish {
                subject: subject.to_owned(),
                source: Box::new(e),
            };
            if permanent {
                Failure::Permanent(e)
            } else {
                Failure::Transient(e)
            }
        };
        let ack = self
            .inner
            .jetstream
            .publish_with_headers(subject.to_owned(), headers.clone(), payload.clone())
            .await
            .map_err(failure)?;
        match tokio::time::timeout(wait, ack.into_future()).await {
            Ok(ack) => ack.map_err(failure),
            Err(elapsed) => Err(Failure::Transient(Error::Publish {
                subject: subject.to_owned(),
                source: Box::new(elapsed),
            })),
        }
    }
}

/// The event's headers and the message id, checked.
fn headers(event: &Event, message_id: &str) -> Result<HeaderMap> {
    let invalid = |name: &str| Error::InvalidHeader {
        name: name.to_owned(),
        reason: "NATS does not accept it",
    };
    let mut map = HeaderMap::new();
    for (name, value) in &event.headers {
        map.append(
            HeaderName::from_str(name).map_err(|_| invalid(name))?,
            HeaderValue::from_str(value).map_err(|_| invalid(name))?,
        );
    }
    map.insert(
        HeaderName::from_str(MESSAGE_ID_HEADER).map_err(|_| invalid(MESSAGE_ID_HEADER))?,
        HeaderValue::from_str(message_id).map_err(|_| invalid(MESSAGE_ID_HEADER))?,
    );
    Ok(map)
}

/// An error and its sources on one line.
fn report(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
