//! Orders and their events: ten orders placed on SQLite (the fourth and eighth roll back), a
//! relay publishing the committed events to NATS JetStream, and a durable consumer reading them
//! in two runs: it stops after four, and the second run carries on from the fifth.
//!
//! Run with `cargo run -p example-outbox-nats -- [NATS_URL] [DATABASE_URL]` (defaults: the
//! local NATS, 127.0.0.1:4222 with JetStream, and a fresh SQLite file in the temp dir).

use std::time::Duration;

use example_outbox_nats::{OrderCreated, consume, ensure_stream, place_order, run_relay, setup};
use tranq::relay::async_nats;

#[tokio::main]
async fn main() -> Result<(), example_outbox_nats::Error> {
    let mut args = std::env::args().skip(1);
    let nats_url = args.next().unwrap_or_else(|| "127.0.0.1:4222".to_owned());
    let url = args.next().unwrap_or_else(|| {
        let path = std::env::temp_dir().join(format!("tranq-outbox-{}.sqlite", std::process::id()));
        format!("sqlite://{}?mode=rwc", path.display())
    });
    let db = tranq::sea_orm::connect(&url).await?;
    setup(&db).await?;
    let js = async_nats::jetstream::new(async_nats::connect(&nats_url).await?);
    // A demo: start from an empty stream, so that a rerun shows only its own orders.
    let _ = js.delete_stream(example_outbox_nats::STREAM).await;
    ensure_stream(&js).await?;
    let durable = "billing";

    for order_id in 1..=10 {
        let commit = order_id % 4 != 0;
        place_order(
            &db,
            OrderCreated {
                order_id,
                total: order_id * 1000,
            },
            commit,
        )
        .await?;
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(run_relay(db.clone(), js.clone(), async move {
        let _ = stop_rx.await;
    }));

    let first = consume(&js, durable, 4, Duration::from_secs(5)).await?;
    println!(
        "first run: {:?}",
        first.iter().map(|o| o.order_id).collect::<Vec<_>>()
    );
    let second = consume(&js, durable, 100, Duration::from_secs(1)).await?;
    println!(
        "second run: {:?}",
        second.iter().map(|o| o.order_id).collect::<Vec<_>>()
    );

    let _ = stop_tx.send(());
    relay.await??;
    Ok(())
}
