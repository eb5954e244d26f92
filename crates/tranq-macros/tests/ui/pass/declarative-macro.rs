//! Tasks written by a `macro_rules!` macro: the generated locals resolve despite its hygiene.

use tranq::{Task, TaskContext, TaskError};

macro_rules! echo_task {
    ($vis:vis $name:ident, $queue:expr, $attempts:expr) => {
        /// Echoes its argument.
        #[tranq::task(queue = $queue, max_attempts = $attempts)]
        $vis async fn $name(ctx: TaskContext, args: String) -> Result<String, TaskError> {
            Ok(format!("{} #{}", args, ctx.attempt()))
        }
    };
}

echo_task!(pub echo_one, "echo", 2);
echo_task!(echo_two, "echo", 3);

fn main() {
    assert_eq!(EchoOne::NAME, "echo_one");
    assert_eq!(EchoOne::OPTIONS.queue_name(), "echo");
    assert_eq!(EchoTwo::OPTIONS.attempts(), 3);

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let stored = rt
        .block_on(EchoTwo::run(TaskContext::for_test(4), "hi".into()))
        .expect("ran");
    assert_eq!(stored, Some(serde_json::json!("hi #4")));
}
