use tranq::TaskError;

#[tranq::task]
async fn send_invoice(ctx: String, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
