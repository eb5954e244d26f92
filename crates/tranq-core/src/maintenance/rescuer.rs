//! Puts back jobs whose lease expired (their worker crashed or was cut off). Safe to run on
//! every worker at once: rows are taken with SKIP LOCKED.

use crate::worker::Shared;

/// Most jobs rescued per statement.
pub const RESCUE_BATCH: u32 = 1000;

pub(crate) async fn run_once(shared: &Shared) {
    match shared.store.job_rescue_expired(RESCUE_BATCH).await {
        Ok(ids) if !ids.is_empty() => {
            crate::worker::count_rescued(ids.len());
            tracing::warn!(count = ids.len(), ids = ?ids, "tranq: rescued jobs whose lease expired");
            shared.wake_all();
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "tranq: rescue failed; retrying next tick"),
    }
}
