use tranq::TaskContext;

#[derive(Debug)]
pub struct NotAnError;

#[tranq::task]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), NotAnError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
