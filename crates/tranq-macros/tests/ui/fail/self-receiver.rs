use tranq::{TaskContext, TaskError};

pub struct Mailer;

impl Mailer {
    #[tranq::task]
    async fn send_invoice(&self, ctx: TaskContext, args: u64) -> Result<(), TaskError> {
        let _ = (ctx, args);
        Ok(())
    }
}

fn main() {}
