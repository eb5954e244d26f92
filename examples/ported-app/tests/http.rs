//! The endpoints over HTTP, with a worker in the test process: what `tests/test_eager.py` and
//! the control test of `tests/test_dual_write.py` check in the Python app.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use ported_app::{AppState, Hooks};
use serde_json::json;
use support::{TestDb, count, serve, start_worker, wait_for_invoice};

#[tokio::test]
async fn orders_are_created_shown_and_invoiced_once() {
    let test_db = TestDb::create("http").await;
    let db = test_db.connect().await;
    let base = serve(AppState {
        db: db.clone(),
        hooks: Hooks::default(),
    })
    .await;
    let (stop, worker) = start_worker(db.clone());
    let http = reqwest::Client::new();

    let created = http
        .post(format!("{base}/orders"))
        .json(&json!({ "customer_email": "ada@example.com", "amount_cents": 1200 }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let order: serde_json::Value = created.json().await.unwrap();
    assert_eq!(order["amount_cents"], 1200);
    assert_eq!(order["invoice"], "pending");
    let id = order["id"].as_i64().unwrap();
    assert_eq!(
        wait_for_invoice(&base, id, Duration::from_secs(20)).await,
        "sent"
    );

    for bad in [
        json!({ "customer_email": "ada@example.com", "amount_cents": -5 }),
        json!({ "customer_email": "nobody", "amount_cents": 5 }),
        json!({ "customer_email": "ada@example.com" }),
    ] {
        let refused = http
            .post(format!("{base}/orders"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{bad}");
    }
    let missing = reqwest::get(format!("{base}/orders/999999")).await.unwrap();
    assert_eq!(missing.status(), 404);
    let detail: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(detail["detail"], "no order 999999");

    assert_eq!(count(&db, "SELECT count(*) FROM orders").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM invoice_emails").await, 1);
    stop.send(()).unwrap();
    worker.await.unwrap().unwrap();
    db.close().await.unwrap();
    test_db.drop().await;
}
