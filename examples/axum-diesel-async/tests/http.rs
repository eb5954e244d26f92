//! Starts the app on a free port over a fresh PostgreSQL database and drives it over HTTP.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use example_axum_diesel_async::{OrderView, app, migrate, pool, worker};

fn admin_url() -> String {
    std::env::var("TRANQ_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

async fn admin(sql: &str) {
    let mut conn = AsyncPgConnection::establish(&admin_url()).await.unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

#[tokio::test]
async fn orders_commit_with_their_job_and_roll_back_without_it() {
    let name = format!("tranq_t_axum_diesel_{}", uuid::Uuid::new_v4().simple());
    admin(&format!("CREATE DATABASE {name}")).await;
    let base_url = admin_url();
    let url = format!("{}/{name}", base_url.rsplit_once('/').unwrap().0);
    let pool = pool(&url).await.unwrap();
    migrate(&pool).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app(pool.clone())).into_future());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let jobs = tokio::spawn(worker(pool.clone()).unwrap().run_until(async move {
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
    assert!(order["invoice_job"].as_i64().unwrap() > 0);

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
    assert_eq!(view.order.amount_cents, 1200);

    let missing = http
        .get(format!("{base}/orders/{}", id + 1))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404, "the refused order rolled back");
    let jobs_in_table: i64 = {
        use diesel::dsl::sql;
        use diesel::sql_types::BigInt;
        let mut conn = pool.get().await.unwrap();
        diesel::select(sql::<BigInt>("(SELECT count(*) FROM tranq_jobs)"))
            .get_result(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(
        jobs_in_table, 1,
        "the refused order's job rolled back with it"
    );

    stop.send(()).unwrap();
    jobs.await.unwrap().unwrap();
    drop(pool);
    admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}
