//! The chaos rounds and the final count.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement, TransactionTrait};
use tranq::internal::Store as _;
use tranq::sea_orm::Store;
use tranq::{JobId, JobInfo, JobState};

use crate::child::{self, CrashArgs, CrashJob};
use crate::database::ChaosDb;
use crate::fleet::{Fleet, GRACE};
use crate::{RunArgs, Target, runs};

/// A year, in µs: a job snoozed forever waits far longer.
const YEAR_US: i64 = 365 * 24 * 3600 * 1_000_000;

/// Work of the jobs a solo stall enqueues so that its worker is in the middle of something
/// long when it stops.
const STALL_JOB_MS: u64 = 8000;

/// What the driver enqueued.
#[derive(Debug, Default)]
struct Ledger {
    committed: Vec<JobId>,
    rolled_back: usize,
    /// Jobs of transactions whose commit failed: they may or may not exist.
    ambiguous: Vec<JobId>,
    /// Committed jobs allowed a single attempt.
    single_attempt: HashSet<JobId>,
    /// Committed jobs that snooze `Duration::MAX` after attempt 1.
    snoozing: HashSet<JobId>,
    /// Work of each committed job, in ms.
    work_ms: HashMap<JobId, u64>,
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

/// What was done to the workers besides SIGKILL and SIGTERM.
#[derive(Debug, Default)]
struct Provoked {
    stalls: u32,
    /// Stalls with every other worker stopped first.
    solo_stalls: u32,
    /// Solo stalls after which the stalled worker was seen running two attempts of one job.
    own_overlaps_seen: u32,
    stall_failures: u32,
    /// Jobs held by workers when they were SIGKILLed whose start was not recorded: claimed
    /// ahead into a prefetch buffer (or started a moment before, not yet recorded).
    claimed_ahead_at_kills: i64,
    /// Of those, jobs allowed a single attempt.
    single_attempt_claimed_ahead_at_kills: i64,
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
    let store = Store::new(db.clone());
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
    let mut fleet = Fleet::new(&chaos.url, args.lease(), logs.clone());
    let mut ledger = Ledger::default();
    let mut disturbed = Disturbances::default();
    let mut provoked = Provoked::default();
    let started = Instant::now();
    // Every run stalls a lone worker once, its jobs rescued before it resumes (item 1 of issue
    // 19: its own fetcher takes them back while its old attempts still run); other stalls
    // come at random.
    let solo_round = (args.rounds > 0).then(|| rng.random_range(1..=args.rounds));
    for round in 1..=args.rounds {
        enqueue(db, &mut rng, args.jobs, &mut ledger).await;
        fleet.fill(workers)?;
        pause(&mut rng, 300..1500).await;
        let lease = args.lease();
        let action = if solo_round == Some(round) {
            let mut stall = Stall {
                db,
                store: &store,
                fleet: &mut fleet,
                ledger: &mut ledger,
                provoked: &mut provoked,
                lease,
            };
            stall.run(&mut rng, StallKind::SoloRescued).await
        } else {
            match rng.random_range(0..20) {
                0..=9 => {
                    let n = rng.random_range(1..=workers);
                    let killed = fleet.kill_random(&mut rng, n);
                    let ahead = count_claimed_ahead(db, &killed, &mut provoked).await;
                    format!("killed {}{ahead}", killed.len())
                }
                10..=13 if fleet.terminate_random(&mut rng) => "terminated 1".to_owned(),
                14..=16 => {
                    // On SQLite a stopped worker may hold the write lock: every other worker
                    // would be cut off from the database too, for longer than the lease.
                    let kind = if chaos.target == Target::Sqlite || rng.random_bool(0.5) {
                        StallKind::Solo
                    } else {
                        StallKind::AmongOthers
                    };
                    let mut stall = Stall {
                        db,
                        store: &store,
                        fleet: &mut fleet,
                        ledger: &mut ledger,
                        provoked: &mut provoked,
                        lease,
                    };
                    stall.run(&mut rng, kind).await
                }
                _ => "no process touched".to_owned(),
            }
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
    drain(db, &store, &ledger, Duration::from_secs(args.stall_secs)).await;
    fleet.stop_all(GRACE + Duration::from_secs(10)).await;

    // The count.
    let rows = job_states(db).await;
    let known: HashSet<JobId> = ledger
        .committed
        .iter()
        .chain(&ledger.ambiguous)
        .copied()
        .collect();
    let ghost_rows = rows.keys().filter(|id| !known.contains(id)).count();
    let known: Vec<JobId> = known.into_iter().collect();
    let jobs = job_infos(&store, &known).await;
    let all_runs = runs::with_starts(runs::all(db).await, runs::read_starts(&logs));
    let lease_us = i64::try_from(args.lease().as_micros()).unwrap_or(i64::MAX);
    let processes = runs::Processes {
        kills: &fleet.kills,
        stops: &fleet.stops,
        stalls: &fleet.stalls,
        lease_us,
    };
    let check = runs::check_processes(&all_runs, &processes, &known);
    let infos: Vec<JobInfo> = jobs.values().cloned().collect();
    let grace_us = i64::try_from(GRACE.as_micros()).unwrap_or(i64::MAX);
    let dropped = runs::dropped_outcomes(&all_runs, &processes, grace_us, &infos);
    let unrun: HashSet<JobId> = runs::discarded_unrun(&all_runs, &infos)
        .into_iter()
        .collect();
    let end = end_states(&ledger, &jobs, &unrun);
    let lost = ledger.committed.len() - end.completed - end.discarded - end.snoozed_forever;
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
         reruns={reruns} unexpected_exits={} unclean_exits={} stalls={} (solo={}, own_overlap_seen={}, failed={}) \
         stalled_overlaps={} stale_starts={} claimed_ahead_at_kills={} (single_attempt={}) \
         single_attempt_jobs={} discarded_with_more_attempts={} snoozing_jobs={}",
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
        provoked.stalls,
        provoked.solo_stalls,
        provoked.own_overlaps_seen,
        provoked.stall_failures,
        check.stalled_overlaps,
        check.stale_starts,
        provoked.claimed_ahead_at_kills,
        provoked.single_attempt_claimed_ahead_at_kills,
        ledger.single_attempt.len(),
        end.discarded_with_more_attempts,
        ledger.snoozing.len(),
    );
    for (first, next) in check.offending.iter().take(10) {
        eprintln!("chaos: overlapping runs: {first:?} and {next:?}");
    }
    for (newer, stale) in check.stale.iter().take(10) {
        eprintln!("chaos: a run under an older claim started after {newer:?}: {stale:?}");
    }
    for (id, run) in dropped.iter().take(10) {
        eprintln!(
            "chaos: outcome dropped: {run:?}, job {id}: {:?}",
            jobs.get(id)
        );
    }
    for id in unrun.iter().take(10) {
        eprintln!("chaos: discarded without running: {:?}", jobs.get(id));
    }
    for id in end.unfinished.iter().take(10) {
        let mine: Vec<&runs::Run> = all_runs.iter().filter(|r| r.job_id == id.0).collect();
        eprintln!("chaos: not finished: {:?}; runs: {mine:?}", jobs.get(id));
    }
    println!(
        "CHAOS rounds={} committed={} completed={} lost={lost} ghost={ghost} \
         double_while_leased={double} dropped_outcomes={} discarded_unrun={} \
         same_worker_overlaps={} snoozed_forever={} discarded={} unclean_exits={} \
         max_rescue_latency_ms={}",
        args.rounds,
        ledger.committed.len(),
        end.completed,
        dropped.len(),
        unrun.len(),
        check.same_worker_overlaps,
        end.snoozed_forever,
        end.discarded,
        fleet.unclean_exits,
        check.max_rescue_latency_us / 1000
    );
    Ok(lost == 0
        && ghost == 0
        && double == 0
        && dropped.is_empty()
        && unrun.is_empty()
        && fleet.unclean_exits == 0)
}

/// How the committed jobs ended.
#[derive(Debug, Default)]
struct EndStates {
    completed: usize,
    /// Discarded after running their last attempt (a job allowed one attempt, killed mid-run).
    discarded: usize,
    /// Of those, jobs allowed more than one attempt.
    discarded_with_more_attempts: usize,
    /// Snoozed `Duration::MAX`: `available`, to run in more than a year.
    snoozed_forever: usize,
    /// Neither: lost.
    unfinished: Vec<JobId>,
}

fn end_states(
    ledger: &Ledger,
    jobs: &HashMap<JobId, JobInfo>,
    unrun: &HashSet<JobId>,
) -> EndStates {
    let in_a_year = runs::now_us() + YEAR_US;
    let mut end = EndStates::default();
    for id in &ledger.committed {
        match jobs.get(id) {
            Some(job) if job.state == JobState::Completed => end.completed += 1,
            Some(job) if job.state == JobState::Discarded && !unrun.contains(id) => {
                end.discarded += 1;
                if job.max_attempts > 1 {
                    end.discarded_with_more_attempts += 1;
                }
            }
            Some(job)
                if ledger.snoozing.contains(id)
                    && job.state == JobState::Available
                    && job.run_at_us > in_a_year =>
            {
                end.snoozed_forever += 1;
            }
            _ => end.unfinished.push(*id),
        }
    }
    end
}

async fn pause(rng: &mut StdRng, ms: std::ops::Range<u64>) {
    tokio::time::sleep(Duration::from_millis(rng.random_range(ms))).await;
}

/// One job to enqueue.
struct Spec {
    args: CrashArgs,
    single_attempt: bool,
}

/// Enqueues `jobs` jobs in transactions of 1–20; about one in five rolls back. Most jobs take
/// 20–800 ms, one in ten 3–6 s (longer than the grace period of a SIGTERM); one in ten is
/// allowed a single attempt, one in twenty snoozes `Duration::MAX` after its first attempt.
async fn enqueue(db: &DatabaseConnection, rng: &mut StdRng, jobs: u32, ledger: &mut Ledger) {
    let mut left = jobs;
    while left > 0 {
        let n = rng.random_range(1..=20).min(left);
        left -= n;
        let specs: Vec<Spec> = (0..n)
            .map(|_| Spec {
                args: CrashArgs {
                    ms: if rng.random_bool(0.1) {
                        rng.random_range(3000..6000)
                    } else {
                        rng.random_range(20..800)
                    },
                    snooze_forever: rng.random_bool(0.05),
                },
                single_attempt: rng.random_bool(0.1),
            })
            .collect();
        let commit = !rng.random_bool(0.2);
        let (single, many): (Vec<Spec>, Vec<Spec>) =
            specs.into_iter().partition(|s| s.single_attempt);
        match transaction(db, &single, &many, 0, commit).await {
            Ok(ids) if commit => {
                for (spec, id) in single.iter().chain(&many).zip(ids) {
                    ledger.note(id, spec);
                }
            }
            Ok(_) => ledger.rolled_back += n as usize,
            Err((ids, error)) => {
                eprintln!("chaos: an enqueue transaction failed: {error}");
                ledger.ambiguous.extend(ids);
            }
        }
    }
}

impl Ledger {
    fn note(&mut self, id: JobId, spec: &Spec) {
        self.committed.push(id);
        self.work_ms.insert(id, spec.args.ms);
        if spec.single_attempt {
            self.single_attempt.insert(id);
        }
        if spec.args.snooze_forever {
            self.snoozing.insert(id);
        }
    }
}

/// One enqueue transaction: the jobs allowed a single attempt, then the others, at
/// `priority`. On an error the ids are returned when the commit itself failed (the jobs may
/// exist), none otherwise (they surely do not).
async fn transaction(
    db: &DatabaseConnection,
    single: &[Spec],
    many: &[Spec],
    priority: i16,
    commit: bool,
) -> Result<Vec<JobId>, (Vec<JobId>, String)> {
    let txn = db.begin().await.map_err(|e| (Vec::new(), e.to_string()))?;
    let args = |specs: &[Spec]| specs.iter().map(|s| s.args.clone()).collect::<Vec<_>>();
    let mut ids = Vec::new();
    if !single.is_empty() {
        let single = CrashJob::builder()
            .max_attempts(1)
            .priority(priority)
            .enqueue_many_in(&txn, args(single))
            .await
            .map_err(|e| (Vec::new(), e.to_string()))?;
        ids.extend(single);
    }
    if !many.is_empty() {
        let many = CrashJob::builder()
            .priority(priority)
            .enqueue_many_in(&txn, args(many))
            .await
            .map_err(|e| (Vec::new(), e.to_string()))?;
        ids.extend(many);
    }
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

/// After a SIGKILL: how many jobs each killed worker held whose start was not recorded
/// (`attempted_at` still NULL): mostly claimed ahead, never started. Read before any lease
/// expires, so before a rescuer touches them; for the round's line.
async fn count_claimed_ahead(
    db: &DatabaseConnection,
    killed: &[u32],
    provoked: &mut Provoked,
) -> String {
    let (mut ahead, mut single) = (0, 0);
    for &pid in killed {
        let claimed = format!(
            "SELECT count(*) FROM tranq_jobs WHERE lease_owner = '{}' AND state = 'running' \
             AND attempted_at IS NULL",
            child::worker_id(pid)
        );
        let single_attempt = format!("{claimed} AND max_attempts = 1");
        if let (Some(a), Some(s)) = (
            scalar(db, &claimed).await,
            scalar(db, &single_attempt).await,
        ) {
            ahead += a;
            single += s;
        }
    }
    provoked.claimed_ahead_at_kills += ahead;
    provoked.single_attempt_claimed_ahead_at_kills += single;
    format!(" ({ahead} jobs claimed ahead, {single} of them allowed a single attempt)")
}

/// A worker stopped (SIGSTOP) for longer than its lease, then let go on (SIGCONT).
struct Stall<'a> {
    db: &'a DatabaseConnection,
    store: &'a Store,
    fleet: &'a mut Fleet,
    ledger: &'a mut Ledger,
    provoked: &'a mut Provoked,
    lease: Duration,
}

/// How a stall goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StallKind {
    /// The other workers go on meanwhile (their rescuers take the stalled worker's jobs).
    AmongOthers,
    /// Every other worker is stopped first (SIGTERM, and waited for), the worker is stopped in
    /// the middle of a long job, and after SIGCONT it is left alone a while, so that its own
    /// fetcher takes its jobs back while its old attempts still run: one worker holding two
    /// attempts of one job. Its own rescuer and heartbeat race when it resumes: a heartbeat
    /// that comes first keeps every lease, and nothing happens.
    Solo,
    /// [`StallKind::Solo`], with the expired leases rescued by the driver just before SIGCONT
    /// (as any other process's rescuer may), so that the race is always lost.
    SoloRescued,
}

impl Stall<'_> {
    /// Stalls a worker chosen at random for its lease and 1–2 s more. The fleet is filled up
    /// again at the next round.
    async fn run(&mut self, rng: &mut StdRng, kind: StallKind) -> String {
        let Some(victim) = self.fleet.pick(rng) else {
            return "no worker to stall".to_owned();
        };
        let length = self.lease + Duration::from_millis(rng.random_range(1000..2000));
        let solo = kind != StallKind::AmongOthers;
        let mut said = Vec::new();
        if solo {
            self.fleet
                .terminate_all_but(victim, GRACE + Duration::from_secs(10))
                .await;
            let long = self.enqueue_long_jobs().await;
            if !self
                .wait_for_long_run(victim, &long, Duration::from_secs(20))
                .await
            {
                said.push("no long job running when stopped".to_owned());
            }
        }
        self.provoked.stalls += 1;
        let stopped_at = match self.fleet.stop(victim).await {
            Ok(at) => at,
            Err(error) => {
                self.provoked.stall_failures += 1;
                return format!("stalling worker {victim} failed: {error}");
            }
        };
        tokio::time::sleep(length).await;
        if kind == StallKind::SoloRescued {
            match self.store.job_rescue_expired(10_000).await {
                Ok(ids) => said.push(format!("{} jobs rescued before SIGCONT", ids.len())),
                Err(error) => said.push(format!("rescue before SIGCONT failed: {error}")),
            }
        }
        let stall = match self.fleet.resume(victim, stopped_at) {
            Ok(stall) => stall,
            Err(error) => {
                self.provoked.stall_failures += 1;
                return format!("resuming worker {victim} failed: {error}");
            }
        };
        let stopped = Duration::from_micros(
            u64::try_from(stall.resumed_at_us - stall.stopped_at_us).unwrap_or(0),
        );
        if solo {
            self.provoked.solo_stalls += 1;
            let resumed = Instant::now();
            if self
                .wait_for_own_overlap(victim, Duration::from_secs(8))
                .await
            {
                self.provoked.own_overlaps_seen += 1;
                said.push(format!(
                    "it ran two attempts of one job at once {:?} after SIGCONT",
                    resumed.elapsed()
                ));
            } else {
                said.push("it was not seen running two attempts of one job".to_owned());
            }
        }
        let kind = if solo { "alone, " } else { "" };
        let mut line = format!("stalled worker {victim} ({kind}SIGSTOP for {stopped:?})");
        for s in said {
            line.push_str("; ");
            line.push_str(&s);
        }
        line
    }

    /// Two committed jobs of [`STALL_JOB_MS`], first in line (priority -1, so that once
    /// rescued they are also claimed again before the backlog); their ids.
    async fn enqueue_long_jobs(&mut self) -> Vec<JobId> {
        let specs: Vec<Spec> = (0..2)
            .map(|_| Spec {
                args: CrashArgs {
                    ms: STALL_JOB_MS,
                    snooze_forever: false,
                },
                single_attempt: false,
            })
            .collect();
        match transaction(self.db, &[], &specs, -1, true).await {
            Ok(ids) => {
                for (spec, id) in specs.iter().zip(&ids) {
                    self.ledger.note(*id, spec);
                }
                ids
            }
            Err((ids, error)) => {
                eprintln!("chaos: an enqueue transaction failed: {error}");
                self.ledger.ambiguous.extend(ids);
                Vec::new()
            }
        }
    }

    /// Waits until worker `pid` runs one of the jobs `long` with at least 5 s of work left: after
    /// SIGCONT, time for the rescue, the rescuer's backoff of 1 s, and a claim of the job again.
    async fn wait_for_long_run(&self, pid: u32, long: &[JobId], within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            let sql = format!(
                "SELECT job_id, started_us FROM crash_runs WHERE pid = {pid} AND finished_us IS NULL"
            );
            let now = runs::now_us();
            let running = rows(self.db, &sql).await.iter().any(|row| {
                let (Ok(job), Ok(started)) = (
                    row.try_get_by_index::<i64>(0),
                    row.try_get_by_index::<i64>(1),
                ) else {
                    return false;
                };
                let work = self.ledger.work_ms.get(&JobId(job)).copied().unwrap_or(0);
                let left_us = started + i64::try_from(work).unwrap_or(0) * 1000 - now;
                long.contains(&JobId(job)) && left_us >= 5_000_000
            });
            if running {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Waits until worker `pid` has run two attempts of one job at the same time.
    async fn wait_for_own_overlap(&self, pid: u32, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            let sql = format!(
                "SELECT job_id, token, started_us, finished_us FROM crash_runs WHERE pid = {pid}"
            );
            let mut by_job: HashMap<i64, Vec<(i64, i64, Option<i64>)>> = HashMap::new();
            for row in rows(self.db, &sql).await {
                let int = |i| row.try_get_by_index::<i64>(i).ok();
                if let (Some(job), Some(token), Some(started)) = (int(0), int(1), int(2)) {
                    let finished = row.try_get_by_index::<Option<i64>>(3).ok().flatten();
                    by_job
                        .entry(job)
                        .or_default()
                        .push((token, started, finished));
                }
            }
            let overlap = by_job.values().any(|runs| {
                runs.iter().any(|a| {
                    runs.iter()
                        .any(|b| a.0 != b.0 && a.1 <= b.1 && a.2.is_none_or(|end| end > b.1))
                })
            });
            if overlap {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }
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

/// Waits until every committed job is finished (completed, discarded, or snoozed for good), or
/// until none finished for `stall`.
async fn drain(db: &DatabaseConnection, store: &Store, ledger: &Ledger, stall: Duration) {
    let mut last = 0;
    let mut deadline = Instant::now() + stall;
    let mut snoozed: HashSet<JobId> = HashSet::new();
    loop {
        let states = job_states(db).await;
        let mut finished = 0;
        for id in &ledger.committed {
            match states.get(id).map(String::as_str) {
                Some("completed" | "discarded") => finished += 1,
                Some("available") if ledger.snoozing.contains(id) => {
                    if !snoozed.contains(id) && snoozed_forever(store, *id).await {
                        snoozed.insert(*id);
                    }
                    finished += usize::from(snoozed.contains(id));
                }
                _ => {}
            }
        }
        if finished > last {
            last = finished;
            deadline = Instant::now() + stall;
        }
        if finished == ledger.committed.len() || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// True when job `id` waits, available, to run in more than a year.
async fn snoozed_forever(store: &Store, id: JobId) -> bool {
    match store.job_get(id).await {
        Ok(Some(job)) => {
            job.state == JobState::Available && job.run_at_us > runs::now_us() + YEAR_US
        }
        _ => false,
    }
}

/// Every job of `ids` that exists, read again while the database fails.
async fn job_infos(store: &Store, ids: &[JobId]) -> HashMap<JobId, JobInfo> {
    let mut jobs = HashMap::new();
    for &id in ids {
        for tries in 1.. {
            match store.job_get(id).await {
                Ok(Some(job)) => {
                    jobs.insert(id, job);
                    break;
                }
                Ok(None) => break,
                Err(error) if tries < 20 => {
                    eprintln!("chaos: reading job {id} failed: {error}; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => {
                    eprintln!("chaos: reading job {id} failed: {error}; giving up");
                    break;
                }
            }
        }
    }
    jobs
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

/// The rows of a query, or none if the database does not answer (a look, not a count).
async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_default()
}

/// The one integer a query answers, if the database answers.
async fn scalar(db: &DatabaseConnection, sql: &str) -> Option<i64> {
    rows(db, sql).await.first()?.try_get_by_index::<i64>(0).ok()
}
