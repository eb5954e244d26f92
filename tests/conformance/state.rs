//! Shared state for tasks: `.state(value)` on the worker, `State<T>` in the task.

use std::time::Duration;

use tranq::JobState;

use crate::conformance::enqueue::job;
use crate::conformance::harness::{Harness, setup};
use crate::conformance::probe::start;
use crate::conformance::tasks::{Greeting, Greets, key};

fn stateful_worker<H: Harness>(h: &H) -> tranq::WorkerBuilder {
    tranq::Worker::builder(h.store())
        .queue("stateful", 2)
        .poll_interval(Duration::from_millis(100))
}

pub async fn a_task_gets_the_workers_state_and_a_worker_without_it_is_not_built<H: Harness>() {
    let h: H = setup("state").await;
    let k = format!("state/{}", H::pair());

    // A task of the worker's queues takes `State<Greeting>`: no Greeting, no worker.
    let refused = stateful_worker(&h).build().err();
    match refused {
        Some(tranq::Error::MissingState { task, state, .. }) => {
            assert_eq!(task, "greets");
            assert!(state.ends_with("Greeting"), "{state}");
        }
        other => panic!("expected MissingState, got {other:?}"),
    }

    let id = h
        .commit(vec![job::<Greets, H>().build(&key(&k)).unwrap()])
        .await[0];
    let worker = stateful_worker(&h).state(Greeting {
        text: "hello".into(),
    });
    let w = start(worker);
    let done = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(done.result, Some(serde_json::json!(format!("hello {k}"))));
    h.cleanup().await;
}
