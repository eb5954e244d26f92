//! `tranq queues` (each queue's counts and ages) and `tranq stats` (the totals, once or as a
//! view that redraws in place), over `SqlStore::queue_stats`.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use serde_json::{Value, json};
use tranq::QueueStats;
use tranq::sea_orm::Store;

use crate::db::DbArgs;
use crate::exit::CliError;
use crate::output;

/// Options of `tranq queues`.
#[derive(Debug, Args)]
pub(crate) struct QueuesArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Print a JSON array, one object per queue.
    #[arg(long)]
    json: bool,
}

/// Options of `tranq stats`.
#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Refresh until interrupted (Ctrl-C), redrawing in place; with --json, one JSON line per
    /// refresh.
    #[arg(long)]
    watch: bool,
    /// Seconds between refreshes with --watch.
    #[arg(long, default_value_t = 2.0, value_parser = interval)]
    interval: f64,
    /// Print JSON: the totals and every queue.
    #[arg(long)]
    json: bool,
}

fn interval(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if (0.1..=3600.0).contains(&secs) => Ok(secs),
        _ => Err("a number of seconds from 0.1 to 3600".to_owned()),
    }
}

/// Runs `tranq queues`.
pub(crate) async fn queues(args: QueuesArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    let queues = store.queue_stats().await?;
    let mut out = io::stdout().lock();
    if args.json {
        let queues = queues.iter().map(output::queue_json).collect();
        return output::write_json(&mut out, &Value::Array(queues));
    }
    if queues.is_empty() {
        eprintln!("no jobs in any queue");
        return Ok(());
    }
    output::queue_table(&queues).write(&mut out)?;
    Ok(())
}

/// Runs `tranq stats`.
pub(crate) async fn stats(args: StatsArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    if !args.watch {
        let queues = store.queue_stats().await?;
        let mut out = io::stdout().lock();
        return if args.json {
            output::write_json(&mut out, &stats_json(&queues))
        } else {
            write_stats(&mut out, &queues)?;
            Ok(())
        };
    }
    watch(&store, &args).await
}

/// Refreshes every `--interval` until Ctrl-C. A database that goes away for a while is shown
/// as such and tried again; any other error ends the view.
async fn watch(store: &Store, args: &StatsArgs) -> Result<(), CliError> {
    let every = Duration::from_secs_f64(args.interval);
    let redraw = !args.json && io::stdout().is_terminal();
    let url = tranq::internal::redact_url(&args.db.database_url);
    let mut first = true;
    loop {
        let mut frame = Vec::new();
        match store.queue_stats().await {
            Ok(queues) if args.json => {
                serde_json::to_writer(&mut frame, &stats_json(&queues))?;
                writeln!(frame)?;
            }
            Ok(queues) => {
                writeln!(
                    frame,
                    "tranq stats  {url}  {}  (every {}s, Ctrl-C to quit)",
                    output::time_short(now_us()),
                    args.interval
                )?;
                write_stats(&mut frame, &queues)?;
            }
            Err(error) if error.is_transient() => {
                writeln!(
                    frame,
                    "{}  cannot read the stats: {error}",
                    output::time_short(now_us())
                )?;
            }
            Err(error) => return Err(error.into()),
        }
        let mut out = io::stdout().lock();
        if redraw {
            // Home, each line cleared to its end, then the rest of the screen: no flicker.
            let clear_all = if first { "\x1b[2J" } else { "" };
            let text = String::from_utf8_lossy(&frame).replace('\n', "\x1b[K\n");
            write!(out, "{clear_all}\x1b[H{text}\x1b[J")?;
        } else {
            out.write_all(&frame)?;
        }
        out.flush()?;
        drop(out);
        first = false;
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Every queue added up; the oldest due wait is the longest of any queue.
fn totals(queues: &[QueueStats]) -> Value {
    let sum = |f: fn(&QueueStats) -> u64| queues.iter().map(f).sum::<u64>();
    let oldest = queues.iter().filter_map(|q| q.oldest_due).max();
    json!({
        "available": sum(|q| q.available),
        "scheduled": sum(|q| q.scheduled),
        "running": sum(|q| q.running),
        "retryable": sum(|q| q.retryable),
        "completed": sum(|q| q.completed),
        "discarded": sum(|q| q.discarded),
        "cancelled": sum(|q| q.cancelled),
        "total": sum(QueueStats::total),
        "oldest_due_ms": oldest.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        "finished_last_minute": sum(|q| q.finished_last_minute),
    })
}

fn stats_json(queues: &[QueueStats]) -> Value {
    json!({
        "at": output::time(now_us()),
        "totals": totals(queues),
        "queues": queues.iter().map(output::queue_json).collect::<Vec<_>>(),
    })
}

fn write_stats(out: &mut impl Write, queues: &[QueueStats]) -> io::Result<()> {
    let sum = |f: fn(&QueueStats) -> u64| queues.iter().map(f).sum::<u64>();
    writeln!(
        out,
        "jobs      available {} (scheduled {})  running {}  retryable {}  completed {}  discarded {}  cancelled {}",
        sum(|q| q.available),
        sum(|q| q.scheduled),
        sum(|q| q.running),
        sum(|q| q.retryable),
        sum(|q| q.completed),
        sum(|q| q.discarded),
        sum(|q| q.cancelled),
    )?;
    let oldest = queues.iter().filter_map(|q| q.oldest_due).max();
    writeln!(
        out,
        "due now   {}",
        oldest.map_or_else(
            || "nothing".to_owned(),
            |d| format!("the oldest has waited {}", output::age(d))
        )
    )?;
    let finished = sum(|q| q.finished_last_minute);
    // Finished in the last minute over the minute: a rate that needs no second sample.
    let per_second = finished as f64 / 60.0;
    writeln!(
        out,
        "finished  {finished} in the last minute ({per_second:.1}/s)"
    )?;
    if !queues.is_empty() {
        writeln!(out)?;
        output::queue_table(queues).write(out)?;
    }
    Ok(())
}
