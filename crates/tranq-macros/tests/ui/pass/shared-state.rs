use tranq::{State, TaskContext, TaskError, Task};

#[derive(Clone)]
pub struct App {
    pub greeting: String,
}

#[tranq::task]
async fn greet(_ctx: TaskContext, name: String, State(app): State<App>) -> Result<String, TaskError> {
    Ok(format!("{}, {name}", app.greeting))
}

fn main() {
    assert_eq!(
        Greet::STATE.map(|ty| ty.name()),
        Some(std::any::type_name::<App>())
    );
}
