use tranq::{TaskContext, TaskError};

#[derive(Clone)]
pub struct App;

#[tranq::task]
async fn send_invoice(ctx: TaskContext, args: u64, app: App) -> Result<(), TaskError> {
    let _ = (ctx, args, app);
    Ok(())
}

fn main() {}
