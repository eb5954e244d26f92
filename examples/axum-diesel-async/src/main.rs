//! Run with `cargo run -p example-axum-diesel-async` (`DATABASE_URL` defaults to
//! postgres://postgres@127.0.0.1:5432/test), then
//! `curl -XPOST localhost:3001/orders -H 'content-type: application/json' -d '{"amount_cents":1200}'`.

use example_axum_diesel_async::{app, migrate, pool, worker};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let pool = pool(&url).await?;
    migrate(&pool).await?;

    // Ctrl-C or SIGTERM: stops the server and the worker together.
    let shutdown = tranq::shutdown_signal();
    let jobs = tokio::spawn(worker(pool.clone())?.run_until(shutdown.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
    tracing::info!("listening on http://127.0.0.1:3001");
    axum::serve(listener, app(pool))
        .with_graceful_shutdown(shutdown)
        .await?;
    jobs.await??; // running jobs finish within the grace period
    Ok(())
}
