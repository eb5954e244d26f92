//! Deletes finished jobs (completed, discarded, cancelled) once they are older than the
//! retention, oldest first, in batches. Runs on the leader only, so that many workers do not
//! compete to delete the same rows.

use std::time::Duration;

use crate::error::Result;
use crate::store::{PruneParams, Store};

/// How long finished jobs are kept.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// How often the leader prunes.
pub const DEFAULT_PRUNE_INTERVAL: Duration = Duration::from_secs(60);
/// Most jobs deleted per statement.
pub const PRUNE_BATCH: u32 = 1000;
/// Most statements per run: a run never holds the maintenance loop for long; when it stops with
/// rows left, the next run starts at once.
const MAX_BATCHES_PER_RUN: u32 = 10;
/// Retentions beyond this (e.g. `Duration::MAX`) mean "keep forever"; capped so that the
/// database's date arithmetic never overflows.
const MAX_RETENTION: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pruned {
    /// Jobs deleted.
    pub(crate) deleted: u64,
    /// True when the run stopped with old finished jobs left.
    pub(crate) more: bool,
}

pub(crate) async fn run_once(store: &dyn Store, retention: Duration) -> Result<Pruned> {
    let params = PruneParams {
        retention: retention.min(MAX_RETENTION),
        limit: PRUNE_BATCH,
    };
    let mut deleted = 0;
    for _ in 0..MAX_BATCHES_PER_RUN {
        let batch = store.job_prune_finished(&params).await?;
        deleted += batch;
        if batch < u64::from(PRUNE_BATCH) {
            return Ok(Pruned {
                deleted,
                more: false,
            });
        }
    }
    Ok(Pruned {
        deleted,
        more: true,
    })
}
