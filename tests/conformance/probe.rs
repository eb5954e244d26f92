//! Records of task runs, background workers, waiting and log capture.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tranq::{Backoff, JobId};

/// Polls `check` every 20 ms until it returns `Some`, failing the test after 20 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn fast_backoff() -> Backoff {
    Backoff::exponential(Duration::from_millis(10), Duration::from_millis(40))
}

/// A worker running in the background until `stop`.
pub struct RunningWorker {
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<tranq::Result<()>>,
}

impl RunningWorker {
    /// True until `run_until` returned (a worker must not exit on its own).
    pub fn is_running(&self) -> bool {
        !self.handle.is_finished()
    }
    pub async fn stop(mut self) -> tranq::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.handle.await.expect("worker task")
    }
}

pub fn start(builder: tranq::WorkerBuilder) -> RunningWorker {
    let worker = builder.build().expect("worker builds");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run_until(async move {
        let _ = rx.await;
    }));
    RunningWorker {
        stop: Some(tx),
        handle,
    }
}

/// One run of a test task: (test key, job id, attempt, when).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub key: String,
    pub job: JobId,
    pub attempt: u32,
    pub at: Instant,
}

static RUNS: Mutex<Vec<Run>> = Mutex::new(Vec::new());

pub fn record(key: &str, job: JobId, attempt: u32) {
    RUNS.lock().unwrap().push(Run {
        key: key.to_owned(),
        job,
        attempt,
        at: Instant::now(),
    });
}

/// Every run recorded under `key`, in order.
pub fn runs(key: &str) -> Vec<Run> {
    RUNS.lock()
        .unwrap()
        .iter()
        .filter(|r| r.key == key)
        .cloned()
        .collect()
}

/// Log lines captured from a worker.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Captures this thread's log lines until the guard drops (use a current-thread runtime so
    /// that the worker's tasks log on this thread too).
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        use tracing_subscriber::layer::SubscriberExt;
        let logs = Logs::default();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(logs.clone())
                .with_ansi(false),
        );
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
