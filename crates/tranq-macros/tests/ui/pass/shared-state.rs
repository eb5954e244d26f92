use tranq::State as TaskState;
use tranq::{State, Task, TaskContext, TaskError};

#[derive(Clone)]
pub struct App {
    pub greeting: String,
}

#[tranq::task]
async fn greet(_ctx: TaskContext, name: String, State(app): State<App>) -> Result<String, TaskError> {
    Ok(format!("{}, {name}", app.greeting))
}

/// Next to axum's `State`, tranq's may go by another name.
#[tranq::task(queue = "renamed_state")]
async fn greet_renamed(_ctx: TaskContext, name: String, app: TaskState<App>) -> Result<String, TaskError> {
    Ok(format!("{}, {name}", app.0.greeting))
}

fn main() {
    assert_eq!(
        Greet::STATE.map(|ty| ty.name()),
        Some(std::any::type_name::<App>())
    );
    assert_eq!(
        GreetRenamed::STATE.map(|ty| ty.name()),
        Some(std::any::type_name::<App>())
    );
}
