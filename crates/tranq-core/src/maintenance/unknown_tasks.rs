//! Reports runnable jobs in this worker's queues whose task it does not know. They are left
//! untouched for a worker that knows them (a rolling deploy), never dropped.

use crate::error::Result;
use crate::worker::Shared;

pub(crate) async fn report(shared: &Shared) -> Result<()> {
    let queues = shared.config.queue_names();
    let unknown = shared
        .store
        .job_unknown_tasks(&queues, &shared.task_names)
        .await?;
    for (task, count) in unknown {
        tracing::warn!(task = %task, count, "tranq: jobs of a task this worker does not know are waiting; they are left for a worker that does");
    }
    Ok(())
}
