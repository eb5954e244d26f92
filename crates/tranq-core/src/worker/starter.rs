//! Records that attempts start, in batches: one statement for every start waiting, a few in
//! flight at once. A claim counts the attempt but leaves it unstarted, so that jobs claimed
//! ahead into a prefetch buffer get their attempt back if the worker dies before running them.
//! A handler runs only once its start is stored, so an attempt that ran always counts: a job
//! that crashes its process each time it runs is still discarded after its attempts.

use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use super::Shared;
use super::fetcher::error_backoff;
use crate::job::Lease;

/// An attempt about to start; `stored` is answered once its start is recorded (or could not
/// be: the handler runs anyway).
#[derive(Debug)]
pub(crate) struct Start {
    pub(crate) lease: Lease,
    pub(crate) stored: oneshot::Sender<()>,
}

impl Start {
    /// Asks for `lease`'s start to be recorded; the receiver resolves once it is.
    pub(crate) fn new(lease: Lease) -> (Start, oneshot::Receiver<()>) {
        let (stored, rx) = oneshot::channel();
        (Start { lease, stored }, rx)
    }
}

/// Most starts recorded in one statement.
const MAX_BATCH: usize = 1000;

/// Most statements in flight at once where the database takes concurrent writers.
const MAX_IN_FLIGHT: usize = 3;

/// Tries per batch while the database fails; then the handlers run without their start stored
/// (if the worker then dies, those attempts are given back).
const MAX_TRIES: u32 = 5;

pub(crate) fn spawn(shared: Arc<Shared>) -> (UnboundedSender<Start>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, tokio::spawn(run(shared, rx)))
}

async fn run(shared: Arc<Shared>, mut rx: UnboundedReceiver<Start>) {
    let in_flight = if shared.store.dialect().has_concurrent_writers() {
        MAX_IN_FLIGHT
    } else {
        1
    };
    let mut marks = JoinSet::new();
    while let Some(first) = rx.recv().await {
        while marks.len() >= in_flight {
            marks.join_next().await;
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(start) => batch.push(start),
                Err(_) => break,
            }
        }
        let shared = shared.clone();
        marks.spawn(async move { mark(&shared, batch).await });
    }
    while marks.join_next().await.is_some() {}
}

async fn mark(shared: &Shared, batch: Vec<Start>) {
    let leases: Vec<Lease> = batch.iter().map(|s| s.lease).collect();
    for tries in 1..=MAX_TRIES {
        match shared.store.job_mark_started(&leases).await {
            Ok(_) => break,
            Err(error) if error.is_transient() && tries < MAX_TRIES => {
                if error.is_deadlock() {
                    shared.count_deadlock(&error);
                }
                tokio::select! {
                    _ = tokio::time::sleep(error_backoff(tries)) => {}
                    _ = shared.stopped.cancelled() => break,
                }
            }
            Err(error) => {
                tracing::warn!(%error, count = leases.len(), "tranq: could not record that attempts started; they run anyway, and are given back if this worker dies");
                break;
            }
        }
    }
    for start in batch {
        let _ = start.stored.send(());
    }
}
