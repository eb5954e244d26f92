//! `name = "..."` replaces the fn's name; negative priority, sub-second timeout, a destructuring
//! argument pattern and `tranq::Result`-style aliases all work.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tranq::{Task, TaskContext, TaskError};

/// Arguments of `ping`.
#[derive(Serialize, Deserialize)]
pub struct Target {
    /// Who to ping.
    pub host: String,
}

type TaskOutcome<T> = Result<T, TaskError>;

/// Pings a host.
#[tranq::task(name = "custom.name", priority = -3, timeout = "1500ms",)]
pub async fn ping(_: TaskContext, Target { host }: Target) -> TaskOutcome<String> {
    Ok(format!("pong from {host}"))
}

fn main() {
    assert_eq!(Ping::NAME, "custom.name");
    let options = <Ping as Task>::OPTIONS;
    assert_eq!(options.queue_name(), tranq::DEFAULT_QUEUE);
    assert_eq!(options.attempts(), tranq::DEFAULT_MAX_ATTEMPTS);
    assert_eq!(options.default_priority(), -3);
    assert_eq!(options.time_limit(), Some(Duration::from_millis(1500)));

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let target = Target { host: "db".into() };
    let pong = rt.block_on(ping(TaskContext::for_test(1), target)).expect("pong");
    assert_eq!(pong, "pong from db");
}
