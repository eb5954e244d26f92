//! `tranq relay`: a worker process that only relays events to NATS JetStream (the outbox
//! relay, `tranq::relay`), until SIGTERM or Ctrl-C.

use std::time::Duration;

use tranq::Worker;
use tranq::relay::{RelayConfig, RelayWorker as _, async_nats};

use crate::db::DbArgs;
use crate::exit::CliError;

/// Options of `tranq relay`.
#[derive(Debug, clap::Args)]
pub(crate) struct RelayArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// The NATS server, e.g. nats://127.0.0.1:4222.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Events published at once (their acks awaited together).
    #[arg(long, default_value_t = tranq::relay::DEFAULT_CONCURRENCY)]
    concurrency: u32,
    /// Also relay ordered events (`Publish::ordered`), one at a time across every relay.
    #[arg(long)]
    ordered: bool,
    /// Put before the job id in `Nats-Msg-Id` (when several databases share a stream).
    #[arg(long, default_value = "")]
    message_id_prefix: String,
    /// Create this stream first when it does not exist (with --subjects).
    #[arg(long, requires = "subjects")]
    stream: Option<String>,
    /// The subjects of --stream, comma-separated: `orders.>,payments.>`.
    #[arg(long, value_delimiter = ',', requires = "stream")]
    subjects: Vec<String>,
    /// The duplicate window of a stream created with --stream: longer than the lease, the
    /// rescue interval and the longest retry delay together.
    #[arg(long, default_value = "2h", value_parser = humantime::parse_duration)]
    duplicate_window: Duration,
}

pub(crate) async fn run(args: RelayArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    let client = async_nats::connect(&args.nats_url).await.map_err(|e| {
        CliError::Other(format!("cannot connect to NATS at {}: {e}", args.nats_url).into())
    })?;
    let jetstream = async_nats::jetstream::new(client);
    if let Some(stream) = &args.stream {
        tranq::relay::ensure_stream(
            &jetstream,
            stream,
            args.subjects.clone(),
            args.duplicate_window,
        )
        .await
        .map_err(|e| CliError::Other(Box::new(e)))?;
    }
    let config = RelayConfig::new()
        .concurrency(args.concurrency)
        .ordered(args.ordered)
        .message_id_prefix(args.message_id_prefix);
    let worker = Worker::builder(store)
        .relay(jetstream, config)
        .map_err(|e| CliError::Other(Box::new(e)))?
        .build()?;
    eprintln!(
        "tranq: relaying to NATS at {} (SIGTERM or Ctrl-C stops)",
        args.nats_url
    );
    worker.run_until(tranq::shutdown_signal()).await?;
    Ok(())
}
