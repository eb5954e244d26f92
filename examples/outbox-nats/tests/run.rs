//! Runs the example against the local NATS (`TRANQ_TEST_NATS_URL`, default 127.0.0.1:4222)
//! with a stream of this test's own: the committed orders' events arrive once each, in order,
//! split between the durable consumer's two runs; the rolled-back ones never.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use example_outbox_nats::{OrderCreated, consume, place_order, run_relay, setup};
use tranq::relay::async_nats;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_consumer_reads_each_committed_order_once_across_two_runs() {
    let nats_url =
        std::env::var("TRANQ_TEST_NATS_URL").unwrap_or_else(|_| "127.0.0.1:4222".to_owned());
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("outbox-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = tranq::sea_orm::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    setup(&db).await.unwrap();
    let js = async_nats::jetstream::new(async_nats::connect(&nats_url).await.unwrap());
    // The shared server may hold an ORDERS stream of an earlier run: start from an empty one.
    let _ = js.delete_stream(example_outbox_nats::STREAM).await;
    example_outbox_nats::ensure_stream(&js).await.unwrap();

    for order_id in 1..=10 {
        let order = OrderCreated {
            order_id,
            total: order_id * 1000,
        };
        place_order(&db, order, order_id % 4 != 0).await.unwrap();
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(run_relay(db.clone(), js.clone(), async move {
        let _ = stop_rx.await;
    }));
    let first = consume(&js, "billing-test", 4, Duration::from_secs(10))
        .await
        .unwrap();
    let second = consume(&js, "billing-test", 100, Duration::from_secs(1))
        .await
        .unwrap();
    let _ = stop_tx.send(());
    relay.await.unwrap().unwrap();

    let ids = |orders: &[OrderCreated]| orders.iter().map(|o| o.order_id).collect::<Vec<_>>();
    assert_eq!(ids(&first), [1, 2, 3, 5]);
    assert_eq!(ids(&second), [6, 7, 9, 10]);
    js.delete_stream(example_outbox_nats::STREAM).await.unwrap();
    let _ = std::fs::remove_file(&path);
}
