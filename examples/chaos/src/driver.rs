//! The chaos rounds and the final count.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use tranq::JobId;
use tranq::sea_orm::Enqueue as _;

use crate::child::{CrashArgs, CrashJob};
use crate::database::ChaosDb;
use crate::fleet::{Fleet, GRACE};
use crate::{RunArgs, runs};

/// What the driver enqueued.
#[derive(Debug, Default)]
struct Ledger {
    committed: Vec<JobId>,
    rolled_back: usize,
    /// Jobs of transactions whose commit failed: they may or may not exist.
    ambiguous: Vec<JobId>,
}

/// What was done to the database.
#[derive(Debug, Default)]
struct Disturbances {
    restarts: u32,
    crashes: u32,
    cuts: u32,
    connections_cut: u64,
    failed: u32,
}

pub(crate) async fn run(args: RunArgs) -> ExitCode {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    let chaos = match ChaosDb::open(args.database).await {
        Ok(chaos) => chaos,
        Err(error) => {
            eprintln!("chaos: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = rounds(&args, seed, &chaos).await;
    chaos.close().await;
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("chaos: {error}");
            ExitCode::from(2)
        }
    }
}

async fn rounds(args: &RunArgs, seed: u64, chaos: &ChaosDb) -> Result<bool, String> {
    let db = &chaos.db;
    tranq::sea_orm::migrate(db)
        .await
        .map_err(|e| e.to_string())?;
    runs::create_table(db).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let logs = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/chaos-logs"
    ))
    .join(format!("{seed}-{}", std::process::id()));
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    eprintln!(
        "chaos: seed={seed} database={:?} rounds={} jobs={} workers={} lease={:?} logs={}",
        args.database,
        args.rounds,
        args.jobs,
        args.workers,
        args.lease(),
        logs.display()
    );
    let workers = args.workers as usize;
    let mut fleet = Fleet::new(&chaos.url, args.lease(), logs);
    let mut ledger = Ledger::default();
    let mut disturbed = Disturbances::default();
    let started = Instant::now();
    for round in 1..=args.rounds {
        enqueue(db, &mut rng, args.jobs, &mut ledger).await;
        fleet.fill(workers)?;
        pause(&mut rng, 300..1500).await;
        let action = match rng.random_range(0..10) {
            0..=5 => {
                let n = rng.random_range(1..=workers);
                format!("killed {}", fleet.kill_random(&mut rng, n))
            }
            6..=7 if fleet.terminate_random(&mut rng) => "terminated 1".to_owned(),
            _ => "no process touched".to_owned(),
        };
        let database = if rng.random_bool(0.6) {
            disturb(chaos, &mut rng, &mut disturbed).await
        } else {
            "database left alone"
        };
        eprintln!(
            "chaos: round {round}: {} committed so far; {action}; {database}",
            ledger.committed.len()
        );
        pause(&mut rng, 200..1000).await;
    }
    fleet.fill(workers)?;
    let completed = drain(db, &ledger, Duration::from_secs(args.stall_secs)).await;
    fleet.stop_all(GRACE + Duration::from_secs(10)).await;

    // The count.
    let rows = job_states(db).await;
    let known: HashSet<JobId> = ledger
        .committed
        .iter()
        .chain(&ledger.ambiguous)
        .copied()
        .collect();
    let completed = ledger
        .committed
        .iter()
        .filter(|id| rows.get(id).is_some_and(|s| s == "completed"))
        .count()
        .max(completed);
    let lost = ledger.committed.len() - completed;
    let ghost_rows = rows.keys().filter(|id| !known.contains(id)).count();
    let all_runs = runs::all(db).await;
    let known: Vec<JobId> = known.into_iter().collect();
    let check = runs::check(&all_runs, &fleet.kills, &fleet.stops, &known);
    let ghost = ghost_rows + check.ghost_runs;
    let double = check.double_while_leased + check.same_lease_twice;
    let reruns = all_runs.len()
        - all_runs
            .iter()
            .map(|r| r.job_id)
            .collect::<HashSet<_>>()
            .len();
    eprintln!(
        "chaos: seed={seed} took={:?} workers_started={} kills={} killed_mid_job={} graceful_stops={} \
         rescue_latency_ms(p50/p90/max)={}/{}/{} direct_rescue_latency_ms(max)={} restarts={} crashes={} connection_cuts={} \
         (connections={}) disturbance_failures={} rolled_back={} ambiguous={} runs={} \
         reruns={reruns} unexpected_exits={} unclean_exits={}",
        started.elapsed(),
        fleet.started(),
        fleet.kills.len(),
        check.killed_mid_job,
        fleet.stops.len(),
        check.rescue_latency_ms(50),
        check.rescue_latency_ms(90),
        check.rescue_latency_ms(100),
        check.max_direct_rescue_latency_us / 1000,
        disturbed.restarts,
        disturbed.crashes,
        disturbed.cuts,
        disturbed.connections_cut,
        disturbed.failed,
        ledger.rolled_back,
        ledger.ambiguous.len(),
        check.runs,
        fleet.unexpected_exits,
        fleet.unclean_exits,
    );
    for (first, next) in check.offending.iter().take(10) {
        eprintln!("chaos: overlapping runs: {first:?} and {next:?}");
    }
    println!(
        "CHAOS rounds={} committed={} completed={completed} lost={lost} ghost={ghost} \
         double_while_leased={double} max_rescue_latency_ms={}",
        args.rounds,
        ledger.committed.len(),
        check.max_rescue_latency_us / 1000
    );
    Ok(lost == 0 && ghost == 0 && double == 0)
}

async fn pause(rng: &mut StdRng, ms: std::ops::Range<u64>) {
    tokio::time::sleep(Duration::from_millis(rng.random_range(ms))).await;
}

/// Enqueues `jobs` jobs in transactions of 1–20; about one in five rolls back. Most jobs take
/// 20–800 ms, one in ten 3–6 s (longer than the grace period of a SIGTERM).
async fn enqueue(db: &DatabaseConnection, rng: &mut StdRng, jobs: u32, ledger: &mut Ledger) {
    let mut left = jobs;
    while left > 0 {
        let n = rng.random_range(1..=20).min(left);
        left -= n;
        let args: Vec<CrashArgs> = (0..n)
            .map(|_| CrashArgs {
                ms: if rng.random_bool(0.1) {
                    rng.random_range(3000..6000)
                } else {
                    rng.random_range(20..800)
                },
            })
            .collect();
        let commit = !rng.random_bool(0.2);
        match transaction(db, args, commit).await {
            Ok(ids) if commit => ledger.committed.extend(ids),
            Ok(_) => ledger.rolled_back += n as usize,
            Err((ids, error)) => {
                eprintln!("chaos: an enqueue transaction failed: {error}");
                ledger.ambiguous.extend(ids);
            }
        }
    }
}

/// One enqueue transaction. On an error the ids are returned when the commit itself failed
/// (the jobs may exist), none otherwise (they surely do not).
async fn transaction(
    db: &DatabaseConnection,
    args: Vec<CrashArgs>,
    commit: bool,
) -> Result<Vec<JobId>, (Vec<JobId>, String)> {
    let txn = db.begin().await.map_err(|e| (Vec::new(), e.to_string()))?;
    let ids = CrashJob::enqueue_many_in(&txn, args)
        .await
        .map_err(|e| (Vec::new(), e.to_string()))?;
    if commit {
        txn.commit()
            .await
            .map_err(|e| (ids.clone(), e.to_string()))?;
    } else {
        txn.rollback()
            .await
            .map_err(|e| (Vec::new(), e.to_string()))?;
    }
    Ok(ids)
}

/// Restarts the server (cleanly or after a crash) or cuts its connections.
async fn disturb(chaos: &ChaosDb, rng: &mut StdRng, d: &mut Disturbances) -> &'static str {
    let restart = chaos.can_restart() && (!chaos.can_cut() || rng.random_bool(0.6));
    let result = if restart {
        let crash = rng.random_bool(0.4);
        let down = Duration::from_millis(rng.random_range(100..1500));
        if crash {
            d.crashes += 1;
        } else {
            d.restarts += 1;
        }
        chaos.restart(crash, down).await.map(|()| {
            if crash {
                "server crashed and restarted"
            } else {
                "server restarted"
            }
        })
    } else if chaos.can_cut() {
        d.cuts += 1;
        chaos.cut_connections().await.map(|n| {
            d.connections_cut += n;
            "connections cut"
        })
    } else {
        Ok("database left alone (nothing to disturb)")
    };
    result.unwrap_or_else(|error| {
        d.failed += 1;
        eprintln!("chaos: disturbing the database failed: {error}");
        "disturbance failed"
    })
}

/// Waits until every committed job completed, or until no job completed for `stall`; returns
/// how many completed.
async fn drain(db: &DatabaseConnection, ledger: &Ledger, stall: Duration) -> usize {
    let mut last = 0;
    let mut deadline = Instant::now() + stall;
    loop {
        let states = job_states(db).await;
        let completed = ledger
            .committed
            .iter()
            .filter(|id| states.get(id).is_some_and(|s| s == "completed"))
            .count();
        if completed > last {
            last = completed;
            deadline = Instant::now() + stall;
        }
        if completed == ledger.committed.len() || Instant::now() > deadline {
            return completed;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Every job's state, read again until the database answers.
async fn job_states(db: &DatabaseConnection) -> HashMap<JobId, String> {
    let backend = db.get_database_backend();
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, state FROM tranq_jobs",
            ))
            .await;
        match rows {
            Ok(rows) => {
                return rows
                    .iter()
                    .filter_map(|r| {
                        let id = r.try_get_by_index::<i64>(0).ok()?;
                        let state = r.try_get_by_index::<String>(1).ok()?;
                        Some((JobId(id), state))
                    })
                    .collect();
            }
            Err(error) => {
                eprintln!("chaos: reading jobs failed: {error}; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
