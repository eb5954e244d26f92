use tranq::TaskContext;

#[tranq::task]
async fn send_invoice(ctx: TaskContext, args: u64) {
    let _ = (ctx, args);
}

fn main() {}
