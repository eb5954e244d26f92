#[tranq::task]
pub struct SendInvoice;

fn main() {}
