//! Diesel's calls block: run them on tokio's blocking pool.

use tranq_core::{Error, Result};

/// Runs `f` on tokio's blocking thread pool; a panic inside `f` resumes in the caller.
pub(crate) async fn blocking<R, F>(f: F) -> Result<R>
where
    F: FnOnce() -> Result<R> + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::database_message(format!(
            "blocking database call did not finish (runtime shutting down): {e}"
        ))),
    }
}
