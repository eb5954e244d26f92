//! Starts the app on a free port over a fresh SQLite database and drives it over HTTP; checks
//! the jobs with `tranq::testing`.
#![allow(clippy::unwrap_used)]

use example_axum_sea_orm::{OrderView, SendInvoice, app, migrate, worker};
use tranq::testing::{self, TestDatabase};

#[tokio::test]
async fn orders_commit_with_their_job_and_roll_back_without_it() {
    let t = TestDatabase::sqlite().await.unwrap();
    let db = tranq::sea_orm::connect(t.url()).await.unwrap();
    migrate(&db).await.unwrap();
    let store = tranq::sea_orm::Store::new(db.clone());
    worker(db.clone()).expect("the app's worker builds: its tasks have their state");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app(db.clone())).into_future());

    let http = reqwest::Client::new();
    let created = http
        .post(format!("{base}/orders"))
        .json(&serde_json::json!({ "amount_cents": 1200 }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let order: serde_json::Value = created.json().await.unwrap();
    let id = order["id"].as_i64().unwrap();
    let job = testing::assert_enqueued::<SendInvoice, _>(&store, |i| i.order_id == id).await;
    assert_eq!(order["invoice_job"].as_i64(), Some(job.id.0));

    let refused = http
        .post(format!("{base}/orders"))
        .json(&serde_json::json!({ "amount_cents": -5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    // The refused order's job rolled back with it: one invoice job in all.
    testing::assert_not_enqueued::<SendInvoice, _>(&store, |i| i.order_id != id).await;

    // Run the queued invoice job here, as a worker would.
    let report = testing::drain(&store).await.unwrap();
    assert_eq!(
        (report.ran, report.completed),
        (1, 1),
        "{:?}",
        report.failed
    );

    let view: OrderView = http
        .get(format!("{base}/orders/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view.invoice, "completed");
    assert_eq!(view.amount_cents, 1200);
    let missing = http
        .get(format!("{base}/orders/{}", id + 1))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404, "the refused order rolled back");

    db.close().await.unwrap();
    t.cleanup().await.unwrap();
}
