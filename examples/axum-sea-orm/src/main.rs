//! Run with `cargo run -p example-axum-sea-orm` (`DATABASE_URL` defaults to
//! postgres://postgres@127.0.0.1:5432/test; `sqlite://orders.db?mode=rwc` works too), then
//! `curl -XPOST localhost:3000/orders -H 'content-type: application/json' -d '{"amount_cents":1200}'`.

use example_axum_sea_orm::{app, migrate, worker};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut options = sea_orm::ConnectOptions::new(url.clone());
    options.max_connections(16);
    let db = sea_orm::Database::connect(options).await?;
    migrate(&db).await?;

    // The worker's own pool, with statement logging off: over `db`, whose logging is on
    // (SeaORM's default), every poll of the worker would be logged.
    let jobs_db = tranq::sea_orm::connect(&url).await?;
    // Ctrl-C or SIGTERM: stops the server and the worker together.
    let shutdown = tranq::shutdown_signal();
    let jobs = tokio::spawn(worker(jobs_db)?.run_until(shutdown.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    tracing::info!("listening on http://127.0.0.1:3000");
    axum::serve(listener, app(db))
        .with_graceful_shutdown(shutdown)
        .await?;
    jobs.await??; // running jobs finish within the grace period
    Ok(())
}
