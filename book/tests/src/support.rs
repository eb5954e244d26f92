//! Setup the book's snippets share on their hidden lines. Not part of tranq.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tranq::internal::Store;
use tranq::{JobId, JobInfo};

/// A directory under the system's temp dir, removed with everything in it when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, empty directory.
    pub fn new() -> std::io::Result<TempDir> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "tranq-book-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `sqlite://<dir>/<file>?mode=rwc`: a SQLite file in this directory, created on connect.
    pub fn sqlite_url(&self, file: &str) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join(file).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Reads job `id` until it reaches a final state (completed, discarded or cancelled); gives up
/// after `within`.
pub async fn finished(
    store: &impl Store,
    id: JobId,
    within: Duration,
) -> Result<JobInfo, Box<dyn std::error::Error + Send + Sync>> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(job) = store.job_get(id).await?
            && job.state.is_final()
        {
            return Ok(job);
        }
        if Instant::now() > deadline {
            return Err(format!("job {id} did not finish within {within:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
