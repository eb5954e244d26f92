//! Tasks the Postgres tests enqueue. Each records its runs under the test's key.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tranq::{TaskContext, TaskError};

use crate::conformance::probe::record;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Key {
    pub key: String,
}

pub fn key(k: &str) -> Key {
    Key { key: k.to_owned() }
}

/// Records its run and returns the attempt number.
#[tranq::task]
pub async fn note(ctx: TaskContext, args: Key) -> Result<u32, TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    Ok(ctx.attempt())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlakyArgs {
    pub key: String,
    pub fail_times: u32,
}

/// Fails its first `fail_times` attempts.
#[tranq::task]
pub async fn flaky(ctx: TaskContext, args: FlakyArgs) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    if ctx.attempt() <= args.fail_times {
        return Err(TaskError::retry(format!("boom {}", ctx.attempt())));
    }
    Ok(())
}

/// Panics on every attempt.
#[tranq::task]
pub async fn panics(ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    panic!("kaboom on attempt {}", ctx.attempt());
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sleep {
    pub key: String,
    pub ms: u64,
}

/// Sleeps, with a 200 ms limit per attempt.
#[tranq::task(timeout = "200ms", max_attempts = 2)]
pub async fn sleeps_limited(ctx: TaskContext, args: Sleep) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    tokio::time::sleep(Duration::from_millis(args.ms)).await;
    Ok(())
}

/// Sleeps without a limit; records again when it finishes.
#[tranq::task(queue = "slow")]
pub async fn slow(ctx: TaskContext, args: Sleep) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    tokio::time::sleep(Duration::from_millis(args.ms)).await;
    record(&format!("{}:done", args.key), ctx.job_id(), ctx.attempt());
    Ok(())
}

/// Cancels itself.
#[tranq::task]
pub async fn gives_up(_ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    Err(TaskError::cancel(format!("nothing to do for {}", args.key)))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoudArgs {
    pub chars: usize,
}

/// Fails once with an error of `head:`, `chars` two-byte characters and `:tail`.
#[tranq::task(max_attempts = 1)]
pub async fn loud(_ctx: TaskContext, args: LoudArgs) -> Result<(), TaskError> {
    Err(TaskError::retry(format!(
        "head:{}:tail",
        "é".repeat(args.chars)
    )))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NulArgs {
    pub fail: bool,
}

/// Returns, or fails once with, text holding a NUL character (PostgreSQL's `jsonb` and `text`
/// refuse it as it is).
#[tranq::task(max_attempts = 1)]
pub async fn nul_bytes(_ctx: TaskContext, args: NulArgs) -> Result<String, TaskError> {
    if args.fail {
        Err(TaskError::retry("bad\0byte"))
    } else {
        Ok("a\0b".to_owned())
    }
}

/// Returns a string of `bytes` bytes.
#[tranq::task]
pub async fn big_result(_ctx: TaskContext, bytes: usize) -> Result<String, TaskError> {
    Ok("x".repeat(bytes))
}

/// Waits until `key` has `n` runs recorded (15 s at most).
async fn runs_reach(key: &str, n: usize) -> Result<(), TaskError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while crate::conformance::probe::runs(key).len() < n {
        if std::time::Instant::now() > deadline {
            return Err(TaskError::retry(format!("{key} never reached {n} runs")));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Two runs of one job that overlap: the first returns once the second has started, the second
/// once the first has returned; both succeed.
#[tranq::task(max_attempts = 2)]
pub async fn overlap(ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    let first_done = format!("{}:first_done", args.key);
    if crate::conformance::probe::runs(&args.key).len() == 1 {
        runs_reach(&args.key, 2).await?;
        record(&first_done, ctx.job_id(), ctx.attempt());
    } else {
        runs_reach(&first_done, 1).await?;
    }
    Ok(())
}

/// Waits (15 s at most) for its attempt to be called off; records `<key>:told` when it is.
#[tranq::task(max_attempts = 3)]
pub async fn lease_watch(ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    if crate::conformance::probe::runs(&args.key).len() > 1 {
        return Ok(());
    }
    tokio::select! {
        _ = ctx.cancelled() => record(&format!("{}:told", args.key), ctx.job_id(), ctx.attempt()),
        _ = tokio::time::sleep(Duration::from_secs(15)) => {}
    }
    Ok(())
}

/// Snoozes for as long as a `Duration` can say on its first run; completes on the next.
#[tranq::task]
pub async fn snoozes_forever(ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    if crate::conformance::probe::runs(&args.key).len() == 1 {
        return Err(TaskError::snooze(Duration::MAX));
    }
    Ok(())
}

/// Completes with a result; the test makes the database refuse to store its completion.
#[tranq::task(max_attempts = 2)]
pub async fn refused(ctx: TaskContext, args: Key) -> Result<u32, TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    Ok(ctx.attempt())
}

/// Shared state given to a worker with `.state(..)`.
#[derive(Debug, Clone)]
pub struct Greeting {
    pub text: String,
}

/// Takes the worker's `Greeting` as a parameter and through its context; on a queue of its
/// own, so that the other tests' workers (queue `default`) need no state.
#[tranq::task(queue = "stateful")]
pub async fn greets(
    ctx: TaskContext,
    args: Key,
    tranq::State(greeting): tranq::State<Greeting>,
) -> Result<String, TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    let from_ctx = ctx.state::<Greeting>().map(|g| g.text);
    assert_eq!(from_ctx.as_deref(), Some(greeting.text.as_str()));
    Ok(format!("{} {}", greeting.text, args.key))
}

/// At most one live job per `key` argument (`#[task(unique = [...])]`).
#[tranq::task(unique = [key])]
pub async fn once_per_key(ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    Ok(())
}

/// Waits to be called off on its first attempt (30 s at most); on later ones, completes unless
/// called off within 2.5 s.
#[tranq::task(max_attempts = 5)]
pub async fn until_cancelled(ctx: TaskContext, args: Key) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    let patience = if ctx.attempt() == 1 {
        Duration::from_secs(30)
    } else {
        Duration::from_millis(2500)
    };
    tokio::select! {
        _ = ctx.cancelled() => {
            record(&format!("{}:called_off", args.key), ctx.job_id(), ctx.attempt());
            Err(TaskError::retry("stopped: the attempt was called off"))
        }
        _ = tokio::time::sleep(patience) => Ok(()),
    }
}

/// Writes its effect and completes its job in one transaction of the adapter's
/// (`ctx.complete_in`), through the harness's [`Effects`](crate::conformance::harness::Effects).
#[tranq::task(queue = "effects")]
pub async fn writes_effect(
    ctx: TaskContext,
    args: Key,
    effects: tranq::State<crate::conformance::harness::Effects>,
) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    (effects.0.0)(ctx).await?;
    Ok(())
}

/// Takes no arguments: they serialize to JSON `null`.
#[tranq::task]
pub async fn without_args(ctx: TaskContext, _args: ()) -> Result<(), TaskError> {
    record("without_args", ctx.job_id(), ctx.attempt());
    Ok(())
}

/// Inserts jobs through a store of the test's database (the `tranq::testing` tests give it to
/// the test worker).
#[derive(Clone)]
pub struct Spawner(pub std::sync::Arc<dyn tranq::internal::Store>);

/// Enqueues a `note` job under `<key>/child`; on a queue of its own, as it takes a state.
#[tranq::task(queue = "spawning")]
pub async fn spawns_note(
    ctx: TaskContext,
    args: Key,
    tranq::State(spawner): tranq::State<Spawner>,
) -> Result<(), TaskError> {
    record(&args.key, ctx.job_id(), ctx.attempt());
    let child = tranq::JobBuilder::<Note>::new()
        .build(&key(&format!("{}/child", args.key)))
        .map_err(|e| TaskError::retry(e.to_string()))?;
    spawner
        .0
        .job_insert_many(&[child])
        .await
        .map_err(|e| TaskError::retry(e.to_string()))?;
    Ok(())
}
