//! One shutdown signal for the whole process: Ctrl-C or SIGTERM, shared by the web server and
//! the worker.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

/// Resolves when the process gets Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `docker stop`
/// and Kubernetes send). Clones resolve together, so one signal stops everything that awaits a
/// clone: give one to `axum::serve(..).with_graceful_shutdown(..)` and one to
/// [`Worker::run_until`](crate::Worker::run_until).
///
/// Create it inside a tokio runtime: the handlers are installed at once, so a signal that
/// arrives before anything awaits it is not missed. From then on these signals no longer end
/// the process by themselves: something must await the signal and stop.
///
/// ```no_run
/// # async fn serve(worker: tranq_core::Worker) -> Result<(), Box<dyn std::error::Error>> {
/// let shutdown = tranq_core::shutdown_signal();
/// let worker = tokio::spawn(worker.run_until(shutdown.clone()));
/// // With axum: `axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;`
/// shutdown.await;
/// worker.await??; // the worker finishes its running jobs within its grace period
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a shutdown signal does nothing unless awaited"]
pub struct ShutdownSignal(Shared<BoxFuture<'static, ()>>);

impl std::fmt::Debug for ShutdownSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShutdownSignal")
            .field("received", &self.0.peek().is_some())
            .finish()
    }
}

impl Future for ShutdownSignal {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// A [`ShutdownSignal`] for Ctrl-C and SIGTERM. Call it once and clone the result.
///
/// # Panics
///
/// When called outside a tokio runtime.
pub fn shutdown_signal() -> ShutdownSignal {
    ShutdownSignal(received().boxed().shared())
}

#[cfg(unix)]
fn received() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = listen(signal(SignalKind::interrupt()), "Ctrl-C");
    let terminate = listen(signal(SignalKind::terminate()), "SIGTERM");
    async move {
        let name = tokio::select! {
            name = interrupt => name,
            name = terminate => name,
        };
        tracing::info!(signal = name, "tranq: shutdown signal received");
    }
}

/// Waits for one signal; a signal whose handler could not be installed never comes.
#[cfg(unix)]
async fn listen(
    installed: std::io::Result<tokio::signal::unix::Signal>,
    name: &'static str,
) -> &'static str {
    match installed {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(error) => {
            tracing::warn!(%error, signal = name, "tranq: cannot listen for this signal");
            std::future::pending::<()>().await;
        }
    }
    name
}

#[cfg(not(unix))]
fn received() -> impl Future<Output = ()> + Send + 'static {
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "tranq: cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!(signal = "Ctrl-C", "tranq: shutdown signal received");
    }
}
