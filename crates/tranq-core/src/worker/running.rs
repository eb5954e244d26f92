//! A started worker's services, stopped gracefully when `run_until`'s signal resolves, or in the
//! background when the `run_until` future is dropped (inside `select!` or `timeout`), so that a
//! dropped worker never leaves fetchers claiming jobs nobody runs.

use std::sync::Arc;

use tokio::task::JoinHandle;

use super::{Shared, shutdown};

/// The tasks of a running worker.
pub(crate) struct Services {
    pub(crate) fetchers: Vec<JoinHandle<()>>,
    pub(crate) completer: JoinHandle<()>,
    pub(crate) maintenance: JoinHandle<()>,
    /// Heartbeat and notifier: they end once the worker has stopped.
    pub(crate) background: Vec<JoinHandle<()>>,
}

/// Owns the services until they are stopped; stops them in the background when dropped first.
pub(crate) struct Running {
    shared: Arc<Shared>,
    services: Option<Services>,
}

impl Running {
    pub(crate) fn new(shared: Arc<Shared>, services: Services) -> Self {
        Running {
            shared,
            services: Some(services),
        }
    }

    /// Graceful shutdown: stop fetching, let running jobs finish within the grace period,
    /// release the rest, store every outcome.
    pub(crate) async fn stop(mut self) {
        if let Some(services) = self.services.take() {
            stop(&self.shared, services).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let Some(services) = self.services.take() else {
            return;
        };
        tracing::warn!(
            worker = %self.shared.config.worker_id,
            "tranq: the worker's run_until future was dropped; shutting down gracefully in the background"
        );
        let shared = self.shared.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { stop(&shared, services).await });
            }
            Err(_) => {
                // No runtime left to finish on: stop everything now; leases of unfinished jobs
                // expire and the rescuer puts those jobs back.
                shared.shutdown.cancel();
                shared.stopped.cancel();
                for task in services
                    .fetchers
                    .iter()
                    .chain(&services.background)
                    .chain([&services.completer, &services.maintenance])
                {
                    task.abort();
                }
            }
        }
    }
}

async fn stop(shared: &Arc<Shared>, services: Services) {
    shutdown::run(shared, services.fetchers, services.completer).await;
    // Maintenance ends once shutdown starts, after giving up the leadership it may hold.
    let _ = services.maintenance.await;
    for task in services.background {
        task.abort();
    }
    tracing::info!(worker = %shared.config.worker_id, "tranq worker stopped");
}
