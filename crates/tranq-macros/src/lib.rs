//! The `#[task]` attribute of [tranq](https://docs.rs/tranq). Use it through `tranq::task`
//! (documented there and on [`macro@task`] here); this crate is semver exempt.

mod args;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Turns `async fn name(ctx: TaskContext, args: A) -> Result<T, E>` into a task: the fn is kept
/// and a unit struct handle `Name` implementing `tranq::Task` is generated next to it.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tranq::{Task, TaskContext, TaskError};
///
/// #[derive(Serialize, Deserialize)]
/// pub struct Invoice {
///     pub order_id: i64,
/// }
///
/// #[tranq::task(queue = "billing", max_attempts = 5, priority = 1, timeout = "30s")]
/// pub async fn send_invoice(_ctx: TaskContext, args: Invoice) -> Result<i64, TaskError> {
///     Ok(args.order_id)
/// }
///
/// assert_eq!(SendInvoice::NAME, "send_invoice");
/// assert_eq!(SendInvoice::OPTIONS.attempts(), 5);
/// ```
///
/// keeps `send_invoice` as written (call it directly in unit tests) and adds `SendInvoice`, a
/// unit struct with the fn's visibility that implements `tranq::Task`, is registered with the
/// binary's task registry through `inventory`, and has the enqueue functions as its own:
/// `SendInvoice::enqueue_in(conn, args)`, `SendInvoice::enqueue_many_in(conn, args)` and
/// `SendInvoice::builder()` for per-job options (no import needed).
///
/// | argument       | value                                          | default       |
/// |----------------|------------------------------------------------|---------------|
/// | `name`         | string stored in the job row                   | the fn's name |
/// | `queue`        | string of `[A-Za-z0-9_.:-]`, 1 to 128 bytes    | `"default"`   |
/// | `max_attempts` | integer, at least 1                            | 25            |
/// | `priority`     | `i16`, lower runs first                        | 0             |
/// | `timeout`      | duration string: `"500ms"`, `"30s"`, `"5m"`    | none          |
/// | `unique`       | fields of the arguments: `[order_id, customer]`: at most one live job per key | none |
/// | `concurrency_key` | fields of the arguments: `[customer_id]`: the key a per-key concurrency limit counts the job under | none |
/// | `cron`         | six or seven field cron string, seconds first  | none          |
/// | `timezone`     | IANA zone of `cron`, e.g. `"Europe/Paris"`     | `"UTC"`       |
/// | `crate`        | path of the `tranq` crate, e.g. `"::my_tranq"` | `"::tranq"`   |
///
/// Unknown, repeated or mistyped arguments, unparsable durations and fns of another shape are
/// compile errors pointing at the offending tokens; an argument type that is not
/// `Serialize + DeserializeOwned + Send + 'static` or a return type that is not such a `Result`
/// is reported at that type. The registration records the `file:line` of the `#[task]`
/// attribute, which `tranq::Error::DuplicateTask` quotes when two tasks share a name.
///
/// The generated code names the facade as `::tranq`; if you renamed the dependency (or re-export
/// tranq from a crate of your own), say where it is with `crate = "..."`. Set
/// `TRANQ_MACROS_DEBUG=1` while building to print every expansion to stderr (cargo caches macro
/// output: touch the file to see it again).
#[proc_macro_attribute]
pub fn task(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::task(attr.into(), item.into()).into()
}
