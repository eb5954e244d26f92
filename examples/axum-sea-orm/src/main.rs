//! Run with `cargo run -p example-axum-sea-orm` (`DATABASE_URL` defaults to
//! postgres://postgres@127.0.0.1:5432/test; `sqlite://orders.db?mode=rwc` works too), then
//! `curl -XPOST localhost:3000/orders -H 'content-type: application/json' -d '{"amount_cents":1200}'`.

use example_axum_sea_orm::{app, migrate, worker};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut options = sea_orm::ConnectOptions::new(url);
    options.max_connections(16);
    let db = sea_orm::Database::connect(options).await?;
    migrate(&db).await?;

    let shutdown = tokio::sync::watch::channel(false);
    let mut stop = shutdown.1.clone();
    let jobs = tokio::spawn(worker(db.clone())?.run_until(async move {
        let _ = stop.changed().await;
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    tracing::info!("listening on http://127.0.0.1:3000");
    axum::serve(listener, app(db))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    shutdown.0.send(true)?;
    jobs.await??;
    Ok(())
}
