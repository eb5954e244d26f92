//! Turns database notifications into fetcher wake-ups. Polling stays the correctness path: a
//! lost or late notification only costs latency.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::StreamExt;

use super::Shared;
use super::fetcher::error_backoff;
use crate::job::JobId;

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut failures = 0;
    loop {
        // While a stream is live a poll is only a safety net; without one it is the wake-up.
        let stream = tokio::select! {
            s = shared.store.subscribe() => s,
            _ = shared.shutdown.cancelled() => return,
        };
        match stream {
            Ok(None) => return,
            Ok(Some(mut stream)) => {
                failures = 0;
                shared.listening.store(true, Ordering::Relaxed);
                // Anything enqueued while we were not listening is found by this poll.
                shared.wake_all();
                loop {
                    let next = tokio::select! {
                        n = stream.next() => n,
                        _ = shared.shutdown.cancelled() => return,
                    };
                    match next {
                        Some(Ok(payload)) => match payload.strip_prefix("cancel:") {
                            // `store.cancel(id)` on a running job (job_cancel_running).
                            Some(id) => {
                                if let Ok(id) = id.parse::<i64>()
                                    && shared.request_cancel(JobId(id))
                                {
                                    tracing::info!(
                                        job.id = id,
                                        "tranq: job asked to cancel; its attempt is called off"
                                    );
                                }
                            }
                            None => {
                                if let Some(q) = shared.queue(&payload) {
                                    q.wake.notify_one();
                                }
                            }
                        },
                        Some(Err(error)) => {
                            tracing::warn!(%error, "tranq: notification stream failed; reconnecting");
                            break;
                        }
                        None => break,
                    }
                }
                // Until the stream is back, idle queues poll at the short interval.
                shared.listening.store(false, Ordering::Relaxed);
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, "tranq: cannot listen for notifications; polling meanwhile");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(error_backoff(failures)) => {}
            _ = shared.shutdown.cancelled() => return,
        }
    }
}
