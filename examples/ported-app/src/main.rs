//! Run with `cargo run -p ported-app` (the web server and a worker in one process), or as two
//! processes, `cargo run -p ported-app -- web` and `cargo run -p ported-app -- worker`, the
//! way the Python app runs `uvicorn app.main:app` and `celery -A app.tasks:celery worker`.
//! `DATABASE_URL` defaults to postgres://postgres@127.0.0.1:5432/test, `BIND` to
//! 127.0.0.1:8000. Then
//! `curl -XPOST localhost:8000/orders -H 'content-type: application/json' -d '{"customer_email":"ada@example.com","amount_cents":1200}'`.

use ported_app::config::Settings;
use ported_app::{AppState, Hooks, app, db, tasks};

// ANCHOR: main
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let role = std::env::args().nth(1).unwrap_or_else(|| "all".to_owned());
    if !["all", "web", "worker"].contains(&role.as_str()) {
        return Err(format!("unknown role {role:?}: use all, web or worker").into());
    }
    let settings = Settings::from_env();
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?; // the lifespan's create_all

    // Ctrl-C, or the SIGTERM a container runtime sends: one signal stops both halves.
    let shutdown = tranq::shutdown_signal();
    let worker = if role == "web" {
        None
    } else {
        let worker = tasks::worker(db.clone())?;
        Some(tokio::spawn(worker.run_until(shutdown.clone())))
    };
    if role != "worker" {
        let listener = tokio::net::TcpListener::bind(&settings.bind).await?;
        tracing::info!("listening on http://{}", settings.bind);
        let state = AppState {
            db,
            hooks: Hooks::default(),
        };
        axum::serve(listener, app(state))
            .with_graceful_shutdown(shutdown)
            .await?;
    }
    if let Some(worker) = worker {
        worker.await??; // in-flight jobs finish (or are released) before the process exits
    }
    Ok(())
}
// ANCHOR_END: main
