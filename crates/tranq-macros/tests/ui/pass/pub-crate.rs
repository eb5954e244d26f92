//! A `pub(crate)` task in a module: the handle has the fn's visibility and default options.

mod jobs {
    use tranq::{TaskContext, TaskError};

    #[tranq::task]
    pub(crate) async fn purge_sessions(_ctx: TaskContext, days: u32) -> Result<(), TaskError> {
        let _ = days;
        Ok(())
    }
}

use tranq::{Task, TaskContext, TaskOptions};

fn main() {
    assert_eq!(jobs::PurgeSessions::NAME, "purge_sessions");
    assert_eq!(jobs::PurgeSessions::OPTIONS, TaskOptions::new());

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // A unit result is stored as no result at all.
    let stored = rt
        .block_on(jobs::PurgeSessions::run(TaskContext::for_test(1), 30))
        .expect("ran");
    assert_eq!(stored, None);
    rt.block_on(jobs::purge_sessions(TaskContext::for_test(1), 30))
        .expect("the fn is still callable");
}
