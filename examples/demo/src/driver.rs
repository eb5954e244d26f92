//! The customers: `POST /orders` over real HTTP, a few requests at a time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use futures::StreamExt as _;
use reqwest::StatusCode;

use crate::shop::{Created, NewOrder};

/// Requests in flight at once at most (one database connection each on the server).
const CONCURRENCY: usize = 8;

/// What came back for one order.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// 201: the order and its job committed.
    Committed { order_ref: i64, created: Created },
    /// 402: the card was declined after the insert; the transaction rolled back.
    Declined,
    /// Anything else (the transaction rolled back too, for another reason).
    Failed { error: String },
}

/// Live counts for the progress bar.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) committed: AtomicU64,
    pub(crate) declined: AtomicU64,
    pub(crate) failed: AtomicU64,
}

impl Counters {
    /// Requests answered so far.
    pub(crate) fn answered(&self) -> u64 {
        self.committed.load(Ordering::Relaxed)
            + self.declined.load(Ordering::Relaxed)
            + self.failed.load(Ordering::Relaxed)
    }
}

/// Places `orders` orders on the shop at `base_url`, `rate` per second (as they arrive in a
/// shop: order n is sent at n / rate seconds, however busy the server is), or as fast as the
/// server answers when `rate` is 0.
pub(crate) async fn run(
    base_url: String,
    orders: u64,
    rate: f64,
    counters: &Counters,
) -> Vec<Outcome> {
    let client = reqwest::Client::new();
    let url = format!("{base_url}/orders");
    let start = Instant::now();
    let period = (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
    futures::stream::iter(0..orders)
        .map(|n| {
            let due = period.map(|p| start + p.mul_f64(n as f64));
            let order_ref = i64::try_from(n).unwrap_or(i64::MAX);
            let request = client.post(&url).json(&NewOrder {
                order_ref,
                customer: format!("customer-{}", n % 97),
                amount_cents: 500 + i64::try_from(n % 50).unwrap_or(0) * 100,
            });
            async move {
                if let Some(due) = due {
                    tokio::time::sleep_until(due).await;
                }
                let outcome = place(order_ref, request).await;
                let counter = match &outcome {
                    Outcome::Committed { .. } => &counters.committed,
                    Outcome::Declined => &counters.declined,
                    Outcome::Failed { .. } => &counters.failed,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                outcome
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

async fn place(order_ref: i64, request: reqwest::RequestBuilder) -> Outcome {
    let failed = |error: String| Outcome::Failed { error };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return failed(e.to_string()),
    };
    match response.status() {
        StatusCode::CREATED => match response.json::<Created>().await {
            Ok(created) => Outcome::Committed { order_ref, created },
            Err(e) => failed(e.to_string()),
        },
        StatusCode::PAYMENT_REQUIRED => Outcome::Declined,
        status => {
            let body = response.text().await.unwrap_or_default();
            failed(format!("{status}: {body}"))
        }
    }
}
