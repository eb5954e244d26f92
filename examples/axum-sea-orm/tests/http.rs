//! Starts the app on a free port over a fresh SQLite file and drives it over HTTP.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use example_axum_sea_orm::{OrderView, app, migrate, worker};

#[tokio::test]
async fn orders_commit_with_their_job_and_roll_back_without_it() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("axum-sea-orm-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut options = sea_orm::ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    options.max_connections(8);
    let db = sea_orm::Database::connect(options).await.unwrap();
    migrate(&db).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app(db.clone())).into_future());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let jobs = tokio::spawn(worker(db.clone()).unwrap().run_until(async move {
        let _ = stopped.await;
    }));

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

    let refused = http
        .post(format!("{base}/orders"))
        .json(&serde_json::json!({ "amount_cents": -5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);

    let deadline = Instant::now() + Duration::from_secs(20);
    let view = loop {
        let view: OrderView = http
            .get(format!("{base}/orders/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if view.invoice == "completed" || Instant::now() > deadline {
            break view;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(view.invoice, "completed");
    assert_eq!(view.amount_cents, 1200);

    let missing = http
        .get(format!("{base}/orders/{}", id + 1))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404, "the refused order rolled back");
    let rows = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT count(*) FROM tranq_jobs",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    assert_eq!(rows, 1, "the refused order's job rolled back with it");

    stop.send(()).unwrap();
    jobs.await.unwrap().unwrap();
    let _ = std::fs::remove_file(&path);
}
