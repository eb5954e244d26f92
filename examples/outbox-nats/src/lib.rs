//! The outbox pattern with tranq's relay, in three parts:
//!
//! - [`place_order`]: the order row and its `orders.created` event commit in one transaction;
//! - [`run_relay`]: a worker that publishes the committed events to JetStream, the job id as
//!   `Nats-Msg-Id`;
//! - [`consume`]: another service's side: a durable pull consumer that reads the stream and acks
//!   each message once handled, so that a restarted consumer carries on where it stopped.

use std::time::Duration;

use futures::StreamExt as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use tranq::relay::async_nats::jetstream::{self, consumer};
use tranq::relay::{Event, Publish, RelayConfig, RelayWorker as _};

/// Boxed errors, for an example.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The stream the events go to, and its subjects.
pub const STREAM: &str = "ORDERS";
/// The subjects of [`STREAM`].
pub const SUBJECTS: &str = "orders.>";

/// The payload of `orders.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreated {
    /// The order's id.
    pub order_id: i64,
    /// Its total, in cents.
    pub total: i64,
}

/// Creates the orders table and tranq's schema.
pub async fn setup(db: &DatabaseConnection) -> Result<(), Error> {
    tranq::sea_orm::migrate(db).await?;
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)",
    )
    .await?;
    Ok(())
}

/// Inserts an order and enqueues its event in one transaction; `commit: false` rolls both back
/// (as a failed request would): then no event is ever published.
pub async fn place_order(
    db: &DatabaseConnection,
    order: OrderCreated,
    commit: bool,
) -> Result<(), Error> {
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!(
        "INSERT INTO orders (id, total) VALUES ({}, {})",
        order.order_id, order.total
    ))
    .await?;
    let event =
        Event::json("orders.created", &order)?.header("Order-Id", order.order_id.to_string());
    // Ordered: consumers see an order's events in the order they were committed.
    Publish::ordered().enqueue_in(&txn, event).await?;
    if commit {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(())
}

/// Creates [`STREAM`] if missing, with the default duplicate window.
pub async fn ensure_stream(js: &jetstream::Context) -> Result<(), Error> {
    tranq::relay::ensure_stream(
        js,
        STREAM,
        vec![SUBJECTS.to_owned()],
        tranq::relay::DEFAULT_DUPLICATE_WINDOW,
    )
    .await?;
    Ok(())
}

/// Runs a relaying worker until `stop` resolves; it relays the ordered events too.
pub async fn run_relay(
    db: DatabaseConnection,
    js: jetstream::Context,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    tranq::Worker::builder(tranq::sea_orm::Store::new(db))
        .relay(js, RelayConfig::new().ordered(true))?
        .build()?
        .run_until(stop)
        .await?;
    Ok(())
}

/// Reads up to `max` events with the durable consumer `durable` (created on first use), acking
/// each one after handling it; stops early when none arrives for `idle`. Returns the events.
pub async fn consume(
    js: &jetstream::Context,
    durable: &str,
    max: usize,
    idle: Duration,
) -> Result<Vec<OrderCreated>, Error> {
    let stream = js.get_stream(STREAM).await?;
    let consumer = stream
        .get_or_create_consumer(
            durable,
            consumer::pull::Config {
                durable_name: Some(durable.to_owned()),
                filter_subject: "orders.created".to_owned(),
                ack_policy: consumer::AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await?;
    let mut messages = consumer.messages().await?;
    let mut seen = Vec::new();
    while seen.len() < max {
        let Ok(next) = tokio::time::timeout(idle, messages.next()).await else {
            break;
        };
        let Some(message) = next else { break };
        let message = message?;
        let event: OrderCreated = serde_json::from_slice(&message.payload)?;
        // Handle it (here: remember it), then ack: unacked messages are delivered again.
        seen.push(event);
        message.ack().await?;
    }
    Ok(seen)
}
