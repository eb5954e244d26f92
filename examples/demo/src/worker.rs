//! `demo worker`: the worker process. The demo starts it as a child, SIGKILLs it mid-run and
//! starts it again; it stops gracefully when its standard input closes, or on Ctrl-C or SIGTERM.

use std::io::{Read as _, Write as _};
use std::time::Duration;

use tokio::sync::oneshot;
use tranq::Backoff;
use tranq::sea_orm::Store;

use crate::db;

/// Short, so that the jobs of a killed worker come back within seconds.
pub(crate) const LEASE: Duration = Duration::from_secs(2);
/// How often the worker looks for expired leases.
const RESCUE_INTERVAL: Duration = Duration::from_millis(500);
/// SQLite cannot notify another process of a commit: an idle worker polls this often.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// Where `demo worker` finds its database URL when `--database-url` is not given; the demo
/// passes it this way so that a password does not show in the process list.
pub(crate) const DATABASE_URL_ENV: &str = "DEMO_DATABASE_URL";
/// The line the worker prints on standard output once it is ready.
pub(crate) const READY: &str = "ready";

/// Runs the worker on `url` until stdin closes, or Ctrl-C or SIGTERM.
pub(crate) async fn run(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let db = db::connect(url).await?;
    let worker = tranq::Worker::builder(Store::new(db.clone()))
        .queue("billing", 16)
        .state(db) // what `send_invoice` writes the invoices with
        .lease(LEASE)
        .rescue_interval(RESCUE_INTERVAL)
        .poll_interval(POLL_INTERVAL)
        .backoff(Backoff::exponential(
            Duration::from_millis(50),
            Duration::from_secs(1),
        ))
        .grace_period(Duration::from_secs(5))
        .build()?;
    // Listens from here on, so a signal that comes once the demo has read `READY` is not missed.
    let shutdown = tranq::shutdown_signal();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{READY}")?;
    stdout.flush()?;
    worker.run_until(stop_requested(shutdown)).await?;
    Ok(())
}

/// Resolves with `signal` (Ctrl-C or SIGTERM), or when standard input reaches its end (the demo
/// closed it, or died).
async fn stop_requested(signal: tranq::ShutdownSignal) {
    let (closed, stdin_closed) = oneshot::channel::<()>();
    // A plain thread: a blocking read on tokio's stdin would hold up the runtime's exit.
    std::thread::spawn(move || {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });
    tokio::select! {
        _ = stdin_closed => {}
        () = signal => {}
    }
}
