//! A tranq worker whose metrics a Prometheus exporter serves at `http://<addr>/metrics`: the
//! pieces `main.rs` puts together, also used by this example's test.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tranq::{TaskContext, TaskError, Worker};

/// The queue of this example's task.
pub const QUEUE: &str = "thumbnails";

/// Installs the Prometheus exporter as the process's `metrics` recorder, serving
/// `http://{addr}/metrics`. Call it inside a Tokio runtime, before building the worker: the
/// worker registers its metrics with the recorder installed when its first job of a task starts.
pub fn install_exporter(addr: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()?;
    tranq::describe_metrics();
    Ok(())
}

/// Runs a worker on [`QUEUE`] until `shutdown` resolves. The leader samples queue depth every
/// `depth_every` into `tranq_queue_jobs`.
pub async fn run_worker(
    db: DatabaseConnection,
    depth_every: Duration,
    shutdown: impl Future<Output = ()> + Send,
) -> tranq::Result<()> {
    Worker::builder(tranq::sea_orm::Store::new(db))
        .queue(QUEUE, 4)
        .poll_interval(Duration::from_millis(100))
        .queue_depth_interval(depth_every)
        .build()?
        .run_until(shutdown)
        .await
}

/// An image to make a thumbnail of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    /// Its id.
    pub id: u64,
}

/// Makes a thumbnail (pretends to, for a few milliseconds).
#[tranq::task(queue = "thumbnails")]
pub async fn thumbnail(_ctx: TaskContext, image: Image) -> Result<(), TaskError> {
    tokio::time::sleep(Duration::from_millis(2 + image.id % 5)).await;
    Ok(())
}
