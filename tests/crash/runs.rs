//! The run log of crash tests and the chaos binary: every run of a job writes a row to
//! `crash_runs` in the database under test (job, lease token, attempt, process, start, end), so
//! the record outlives the process that ran it; and the invariants checked over it.
//! Self-contained (SeaORM and tranq only) so that `examples/chaos` includes it with `#[path]`.
//!
//! A child may also note its starts in a file of its own ([`start_line`], [`read_starts`]):
//! one `write` before the insert, so that a process SIGKILLed just after a handler started
//! still leaves a trace of that run.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tranq::{JobId, JobInfo, JobState, TaskContext};

/// Microseconds since the Unix epoch, by this host's clock (shared by every process of a test).
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// One run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub job_id: i64,
    pub token: i64,
    pub attempt: i64,
    pub pid: i64,
    pub started_us: i64,
    /// None: the run never finished (its process died).
    pub finished_us: Option<i64>,
}

pub async fn create_table(db: &DatabaseConnection) {
    for sql in [
        "CREATE TABLE crash_runs (job_id BIGINT NOT NULL, token BIGINT NOT NULL, \
         attempt BIGINT NOT NULL, pid BIGINT NOT NULL, started_us BIGINT NOT NULL, \
         finished_us BIGINT NULL)",
        // The effects of `effect_job`, and the completions `ctx.complete_in` refused.
        "CREATE TABLE crash_effects (job_id BIGINT NOT NULL, token BIGINT NOT NULL, \
         pid BIGINT NOT NULL)",
        "CREATE TABLE crash_fenced (job_id BIGINT NOT NULL, token BIGINT NOT NULL, \
         pid BIGINT NOT NULL)",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
}

/// Notes that `ctx.complete_in` refused the completion of the attempt `ctx` is for.
pub async fn record_fenced(db: &DatabaseConnection, ctx: &TaskContext) {
    let sql = format!(
        "INSERT INTO crash_fenced (job_id, token, pid) VALUES ({}, {}, {})",
        ctx.job_id().0,
        ctx.lease_token(),
        std::process::id()
    );
    write(db, &sql).await;
}

/// Runs a write until it is stored: the database may be restarting.
async fn write(db: &DatabaseConnection, sql: &str) {
    let mut failures = 0u32;
    while let Err(error) = db.execute_unprepared(sql).await {
        failures += 1;
        if failures % 10 == 1 {
            eprintln!("run log: {error}; retrying");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Records the start, at `started_us`, of the run `ctx` is for; returns when stored. The start
/// time is taken before the write, so a slow write never hides an overlap.
pub async fn record_start(db: &DatabaseConnection, ctx: &TaskContext, started_us: i64) {
    let sql = format!(
        "INSERT INTO crash_runs (job_id, token, attempt, pid, started_us) VALUES ({}, {}, {}, {}, {})",
        ctx.job_id().0,
        ctx.lease_token(),
        ctx.attempt(),
        std::process::id(),
        started_us
    );
    write(db, &sql).await;
}

/// The line a child notes in its file of starts for the run `ctx` is for: job, token, attempt,
/// process, start.
pub fn start_line(ctx: &TaskContext, started_us: i64) -> String {
    format!(
        "{} {} {} {} {started_us}\n",
        ctx.job_id().0,
        ctx.lease_token(),
        ctx.attempt(),
        std::process::id()
    )
}

/// Every start noted in the files of starts (`starts-<pid>.log`) in `dir`, as unfinished runs.
pub fn read_starts(dir: &Path) -> Vec<Run> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("starts-") && name.ends_with(".log")) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            let fields: Vec<i64> = line
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            if let [job_id, token, attempt, pid, started_us] = fields[..] {
                starts.push(Run {
                    job_id,
                    token,
                    attempt,
                    pid,
                    started_us,
                    finished_us: None,
                });
            }
        }
    }
    starts
}

/// `runs` and the `starts` missing from them (a run whose insert never reached the database
/// because its process was killed first), by start time.
pub fn with_starts(mut runs: Vec<Run>, starts: Vec<Run>) -> Vec<Run> {
    let key = |r: &Run| (r.job_id, r.token, r.pid, r.started_us);
    let known: HashSet<_> = runs.iter().map(key).collect();
    let mut seen = HashSet::new();
    runs.extend(
        starts
            .into_iter()
            .filter(|s| !known.contains(&key(s)) && seen.insert(key(s))),
    );
    runs.sort_by_key(|r| r.started_us);
    runs
}

/// Records that the run `ctx` is for finished its work at `at`.
pub async fn record_end(db: &DatabaseConnection, ctx: &TaskContext, at: i64) {
    let sql = format!(
        "UPDATE crash_runs SET finished_us = {at} WHERE job_id = {} AND token = {} AND pid = {}",
        ctx.job_id().0,
        ctx.lease_token(),
        std::process::id()
    );
    write(db, &sql).await;
}

/// Every run. DISTINCT: a write whose answer was lost (its connection cut) is written again, and
/// may have been stored the first time too; the two rows of one run are equal to the
/// microsecond.
pub async fn all(db: &DatabaseConnection) -> Vec<Run> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(
        backend,
        "SELECT DISTINCT job_id, token, attempt, pid, started_us, finished_us FROM crash_runs \
         ORDER BY started_us",
    ))
    .await
    .expect("read crash_runs")
    .iter()
    .map(|row| {
        let int = |i: usize| row.try_get_by_index::<i64>(i).expect("an integer");
        Run {
            job_id: int(0),
            token: int(1),
            attempt: int(2),
            pid: int(3),
            started_us: int(4),
            finished_us: row
                .try_get_by_index::<Option<i64>>(5)
                .expect("an integer or NULL"),
        }
    })
    .collect()
}

/// What the run log says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Check {
    pub runs: usize,
    /// Runs of jobs that were never committed (rolled back, or never enqueued).
    pub ghost_runs: usize,
    /// One claim (job and lease token) that ran more than once.
    pub same_lease_twice: usize,
    /// A run that started while an earlier run of the same job was still going in a process
    /// that was alive: a second runner while the first held the lease.
    pub double_while_leased: usize,
    /// Runs cut short by a SIGKILL.
    pub killed_mid_job: usize,
    /// Longest time from a SIGKILL to the next run of a job the killed process was running.
    pub max_rescue_latency_us: i64,
    /// Every such time, in µs, shortest first.
    pub rescue_latencies_us: Vec<i64>,
    /// The longest of those where the next run was the very next claim (attempt + 1), not one
    /// after further claims were lost too (claimed by a worker that was killed before it ran),
    /// less the rescuer's backoff before that attempt ([`rescue_backoff_us`]).
    pub max_direct_rescue_latency_us: i64,
    /// A run that started while an earlier run of the same job went on in a process that was
    /// stopped (SIGSTOP) long enough for the earlier run's lease to expire: allowed.
    pub stalled_overlaps: usize,
    /// Two runs of one job overlapping in time in one process (after a stall, the process's
    /// own rescuer and fetcher took the job back while its old attempt still ran).
    pub same_worker_overlaps: usize,
    /// A run under a claim that was no longer the job's: a run of the same job under a newer
    /// claim (a greater lease token) had started before it, or the newer claim has the same
    /// attempt number (the attempt was given back, as for a claim that never started) although
    /// the process of this run was neither killed nor stopped gracefully meanwhile. (Snoozes,
    /// which also give the attempt back, are not part of these tests.)
    pub stale_starts: usize,
    /// The runs behind `same_lease_twice` and `double_while_leased`, for the report.
    pub offending: Vec<(Run, Run)>,
    /// The runs behind `stale_starts`: the newer claim's run, then the stale one.
    pub stale: Vec<(Run, Run)>,
}

/// A worker process stopped (SIGSTOP) and resumed (SIGCONT), by this host's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    pub pid: u32,
    pub stopped_at_us: i64,
    pub resumed_at_us: i64,
}

impl Stall {
    /// True when the claim with lease token `token` was made before this stall: tokens are
    /// the database's clock in µs at the claim (`GREATEST(token + 1, clock)`), on this host's
    /// clock here; the middle of the stall leaves seconds for a clock apart and for a claim
    /// that the server ran while its client was already stopped.
    fn claimed_before(&self, token: i64) -> bool {
        token < self.stopped_at_us + (self.resumed_at_us - self.stopped_at_us) / 2
    }
}

/// What happened to the worker processes of a test, for [`check_processes`] and
/// [`dropped_outcomes`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Processes<'a> {
    /// `(pid, when in µs)` of every SIGKILL.
    pub kills: &'a [(u32, i64)],
    /// `(pid, when their unfinished runs were over at the latest)` of every graceful stop:
    /// SIGTERM plus the grace period.
    pub stops: &'a [(u32, i64)],
    /// Every SIGSTOP, with its SIGCONT.
    pub stalls: &'a [Stall],
    /// The workers' lease, in µs.
    pub lease_us: i64,
}

impl Processes<'_> {
    /// The earliest a run's lease may expire once its process is stopped: the last heartbeat
    /// came at most a third of the lease before (heartbeats run every third).
    fn expiry_after_stop_us(&self) -> i64 {
        self.lease_us - self.lease_us / 3
    }
}

/// Checks `runs` given the processes SIGKILLed (`(pid, when in µs)`), the processes stopped
/// gracefully (`(pid, when their unfinished runs were over at the latest)`: SIGTERM plus the
/// grace period) and the committed jobs.
pub fn check(
    runs: &[Run],
    kills: &[(u32, i64)],
    stops: &[(u32, i64)],
    committed: &[JobId],
) -> Check {
    let processes = Processes {
        kills,
        stops,
        ..Processes::default()
    };
    check_processes(runs, &processes, committed)
}

/// [`check`], where processes may also have been stopped for a while (SIGSTOP, then SIGCONT).
/// A run that went on in a stopped process does not hold its lease: a later run of its job is
/// allowed once that lease may have expired (the claim was made before the stop, the run had
/// not finished, and the later run started at least two thirds of a lease after the stop).
pub fn check_processes(runs: &[Run], processes: &Processes<'_>, committed: &[JobId]) -> Check {
    let committed: HashSet<i64> = committed.iter().map(|id| id.0).collect();
    let killed_at: HashMap<i64, i64> = processes
        .kills
        .iter()
        .map(|&(p, at)| (i64::from(p), at))
        .collect();
    let stopped_at: HashMap<i64, i64> = processes
        .stops
        .iter()
        .map(|&(p, at)| (i64::from(p), at))
        .collect();
    let stalled_out = |first: &Run, next: &Run| {
        processes.stalls.iter().any(|s| {
            i64::from(s.pid) == first.pid
                && s.claimed_before(first.token)
                && first.finished_us.is_none_or(|end| end > s.stopped_at_us)
                && next.started_us >= s.stopped_at_us + processes.expiry_after_stop_us()
        })
    };
    let mut out = Check {
        runs: runs.len(),
        ..Check::default()
    };
    let mut leases: HashMap<(i64, i64), usize> = HashMap::new();
    let mut by_job: HashMap<i64, Vec<&Run>> = HashMap::new();
    for run in runs {
        if !committed.contains(&run.job_id) {
            out.ghost_runs += 1;
        }
        *leases.entry((run.job_id, run.token)).or_default() += 1;
        by_job.entry(run.job_id).or_default().push(run);
        if run.finished_us.is_none() && killed_at.contains_key(&run.pid) {
            out.killed_mid_job += 1;
        }
    }
    out.same_lease_twice = leases.values().filter(|&&n| n > 1).count();
    for runs in by_job.values_mut() {
        runs.sort_by_key(|r| r.started_us);
        // Given back while its process lived: only the end of that process (SIGKILL, or
        // SIGTERM and release) gives an attempt that started back.
        let ended_between = |stale: &Run, newer: &Run| {
            let pid = stale.pid;
            killed_at
                .get(&pid)
                .is_some_and(|&at| at >= stale.started_us && at <= newer.started_us)
                || stopped_at.get(&pid).is_some_and(|&at| {
                    at >= stale.started_us && at <= newer.started_us + RELEASE_SLACK_US
                })
        };
        for &run in runs.iter() {
            let newer = runs.iter().find(|n| {
                n.token > run.token
                    && (n.started_us < run.started_us
                        || (n.attempt == run.attempt && !ended_between(run, n)))
            });
            if let Some(&newer) = newer {
                out.stale_starts += 1;
                out.stale.push((newer.clone(), run.clone()));
            }
        }
        for pair in runs.windows(2) {
            let (first, next) = (pair[0], pair[1]);
            let pid = first.pid;
            let overlap = first.finished_us.is_none_or(|end| end > next.started_us);
            if overlap && next.pid == pid {
                out.same_worker_overlaps += 1;
            }
            match (first.finished_us, killed_at.get(&pid), stopped_at.get(&pid)) {
                (Some(end), _, _) if end <= next.started_us => {}
                (None, Some(&killed), _) if killed <= next.started_us => {
                    let latency = next.started_us - killed;
                    out.rescue_latencies_us.push(latency);
                    if next.attempt == first.attempt + 1 {
                        let beyond_backoff = latency - rescue_backoff_us(first.attempt);
                        out.max_direct_rescue_latency_us =
                            out.max_direct_rescue_latency_us.max(beyond_backoff);
                    }
                }
                (None, None, Some(&released)) if released <= next.started_us => {}
                _ if stalled_out(first, next) => out.stalled_overlaps += 1,
                _ => {
                    out.double_while_leased += 1;
                    out.offending.push((first.clone(), next.clone()));
                }
            }
        }
    }
    out.rescue_latencies_us.sort_unstable();
    out.max_rescue_latency_us = out.rescue_latencies_us.last().copied().unwrap_or(0);
    out
}

/// Slack for a graceful stop's release: the stop is noted at SIGTERM plus the grace period.
const RELEASE_SLACK_US: i64 = 10_000_000;

/// How long after a run finished its outcome may still be unstored when its process ends or
/// stops: the outcome is written at once, in the next batch.
pub const OUTCOME_WINDOW_US: i64 = 5_000_000;

/// Runs whose outcome was dropped: the run finished, its process was neither killed, nor
/// stopped gracefully, nor stalled in time to keep the outcome from being stored, yet the job's
/// errors say that this attempt's lease expired (the worker was taken for dead). The attempt
/// an error names belongs to the newest claim of that attempt number that ran (a claim given
/// back unstarted or released leaves no error). `grace_us`: the graceful stops' grace period.
pub fn dropped_outcomes(
    runs: &[Run],
    processes: &Processes<'_>,
    grace_us: i64,
    jobs: &[JobInfo],
) -> Vec<(JobId, Run)> {
    let mut by_attempt: HashMap<(i64, i64), &Run> = HashMap::new();
    for run in runs {
        let slot = by_attempt.entry((run.job_id, run.attempt)).or_insert(run);
        if run.token > slot.token {
            *slot = run;
        }
    }
    let ended_soon_after = |run: &Run, end: i64| {
        let pid = u32::try_from(run.pid).unwrap_or(0);
        let within = |at: i64, window: i64| at >= end && at <= end + window;
        processes
            .kills
            .iter()
            .any(|&(p, at)| p == pid && within(at, OUTCOME_WINDOW_US))
            || processes
                .stops
                .iter()
                .any(|&(p, at)| p == pid && within(at, OUTCOME_WINDOW_US + grace_us))
            || processes.stalls.iter().any(|s| {
                s.pid == pid
                    && s.claimed_before(run.token)
                    && s.stopped_at_us <= end + OUTCOME_WINDOW_US
            })
    };
    let mut dropped = Vec::new();
    for job in jobs {
        let expired: HashSet<u32> = job
            .errors
            .iter()
            .filter(|e| counted_lease_expiry(&e.message))
            .map(|e| e.attempt)
            .collect();
        for attempt in expired {
            let Some(&run) = by_attempt.get(&(job.id.0, i64::from(attempt))) else {
                continue;
            };
            if let Some(end) = run.finished_us
                && !ended_soon_after(run, end)
            {
                dropped.push((job.id, run.clone()));
            }
        }
    }
    dropped
}

/// True for the error of an attempt that counted because its lease expired, not for one that
/// was given back (an attempt that never started).
fn counted_lease_expiry(message: &str) -> bool {
    message.starts_with("lease expired") && !message.contains("given back")
}

/// Discarded jobs with no run recorded for their last attempt: an attempt used up by a job
/// that never ran it (claimed ahead by a worker that died before starting it).
pub fn discarded_unrun(runs: &[Run], jobs: &[JobInfo]) -> Vec<JobId> {
    let ran: HashSet<(i64, i64)> = runs.iter().map(|r| (r.job_id, r.attempt)).collect();
    jobs.iter()
        .filter(|j| j.state == JobState::Discarded)
        .filter(|j| !ran.contains(&(j.id.0, i64::from(j.attempt))))
        .map(|j| j.id)
        .collect()
}

/// The wait the rescuer puts before the next attempt of a job whose attempt `attempt` started
/// and was lost: 2^(attempt-1) s, at most an hour (`job_rescue_expired`).
pub fn rescue_backoff_us(attempt: i64) -> i64 {
    (1_i64 << (attempt - 1).clamp(0, 12)).min(3600) * 1_000_000
}

impl Check {
    /// The `p`-th percentile (0–100) of the rescue latencies, in ms.
    pub fn rescue_latency_ms(&self, p: usize) -> i64 {
        let all = &self.rescue_latencies_us;
        if all.is_empty() {
            return 0;
        }
        all[(all.len() - 1) * p.min(100) / 100] / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(job: i64, token: i64, pid: i64, start: i64, end: Option<i64>) -> Run {
        Run {
            job_id: job,
            token,
            attempt: token,
            pid,
            started_us: start,
            finished_us: end,
        }
    }

    #[test]
    fn overlaps_are_doubles_unless_the_first_runner_was_killed() {
        let committed = [JobId(1), JobId(2), JobId(3)];
        let runs = [
            run(1, 1, 10, 0, None),
            run(1, 2, 11, 1_000_500, Some(1_000_600)),
            run(2, 1, 11, 0, Some(300)),
            run(2, 2, 12, 200, Some(400)),
            run(3, 1, 12, 0, Some(100)),
            run(3, 1, 13, 200, Some(300)),
            run(4, 1, 13, 0, Some(1)),
            run(2, 3, 14, 500, None),
            run(2, 4, 15, 900, Some(1000)),
        ];
        let c = check(&runs, &[(10, 100)], &[(14, 800)], &committed);
        assert_eq!(c.killed_mid_job, 1);
        assert_eq!(c.max_rescue_latency_us, 1_000_400);
        assert_eq!(
            c.max_direct_rescue_latency_us, 400,
            "less the rescue backoff of 1 s"
        );
        assert_eq!(c.double_while_leased, 1);
        assert_eq!(c.same_lease_twice, 1);
        assert_eq!(c.ghost_runs, 1);
        assert_eq!(c.stale_starts, 0);
    }

    const S: i64 = 1_000_000;
    const T0: i64 = 1_700_000_000 * S;

    /// A run whose claim (its token, the clock in µs) came `claimed` after T0.
    fn claim(job: i64, attempt: i64, pid: i64, claimed: i64, start: i64, end: Option<i64>) -> Run {
        Run {
            job_id: job,
            token: T0 + claimed,
            attempt,
            pid,
            started_us: T0 + start,
            finished_us: end.map(|e| T0 + e),
        }
    }

    fn job(id: i64, state: JobState, attempt: u32, expired: &[u32]) -> JobInfo {
        let mut job = JobInfo::for_test(JobId(id), state, attempt, 1);
        job.queue = "crash".into();
        job.task = "crash_job".into();
        job.errors = expired
            .iter()
            .map(|&attempt| {
                tranq::AttemptError::for_test(
                    attempt,
                    "lease expired: the worker running this attempt stopped",
                )
            })
            .collect();
        job
    }

    #[test]
    fn a_run_in_a_stopped_process_does_not_hold_its_lease() {
        let stall = Stall {
            pid: 10,
            stopped_at_us: T0 + 10 * S,
            resumed_at_us: T0 + 22 * S,
        };
        let processes = Processes {
            stalls: &[stall],
            lease_us: 10 * S,
            ..Processes::default()
        };
        let runs = [
            // Stopped mid-run; its own process takes the job back after SIGCONT.
            claim(1, 1, 10, 9 * S, 9 * S, Some(25 * S)),
            claim(1, 2, 10, 23 * S, 23 * S, Some(24 * S)),
            // Stopped mid-run; another process takes it over during the stall.
            claim(2, 1, 10, 9 * S, 9 * S, Some(24 * S)),
            claim(2, 2, 11, 20 * S, 20 * S, Some(21 * S)),
            // Too early: the lease had a heartbeat at most a third of it before the stop.
            claim(3, 1, 10, 9 * S, 9 * S, Some(24 * S)),
            claim(3, 2, 11, 12 * S, 12 * S, Some(13 * S)),
            // Claimed after the stall, overlapped by another process: a double.
            claim(4, 1, 10, 23 * S, 23 * S, Some(26 * S)),
            claim(4, 2, 11, 24 * S, 24 * S, Some(25 * S)),
            // Claimed before the stop, started on resuming, under a claim that another process
            // had already replaced: stale, and a double while that process held the lease.
            claim(5, 2, 11, 20 * S, 20 * S, Some(28 * S)),
            claim(5, 1, 10, 9 * S, 23 * S, Some(24 * S)),
            // Claimed before the stop, started on resuming although the claim had been given
            // back: the next claim has the same attempt number.
            claim(6, 1, 10, 9 * S, 23 * S, Some(24 * S)),
            claim(6, 1, 11, 30 * S, 30 * S, Some(31 * S)),
            // Released by a graceful stop: the attempt is given back, rightly.
            claim(7, 1, 14, S, S, None),
            claim(7, 1, 11, 5 * S, 5 * S, Some(6 * S)),
        ];
        let processes = Processes {
            stops: &[(14, T0 + 4 * S)],
            ..processes
        };
        let committed: Vec<JobId> = (1..=7).map(JobId).collect();
        let c = check_processes(&runs, &processes, &committed);
        assert_eq!(c.stalled_overlaps, 2, "{c:?}");
        assert_eq!(c.same_worker_overlaps, 1, "{c:?}");
        assert_eq!(c.double_while_leased, 3, "{c:?}");
        assert_eq!(c.stale_starts, 2, "{c:?}");
        let mut stale: Vec<i64> = c.stale.iter().map(|(_, s)| s.job_id).collect();
        stale.sort_unstable();
        assert_eq!(stale, vec![5, 6]);
        let mut doubles: Vec<i64> = c.offending.iter().map(|(a, _)| a.job_id).collect();
        doubles.sort_unstable();
        assert_eq!(doubles, vec![3, 4, 5]);
    }

    #[test]
    fn an_outcome_is_dropped_when_a_healthy_worker_finished_the_attempt_its_lease_expired_for() {
        let stall = Stall {
            pid: 12,
            stopped_at_us: T0 + 10 * S,
            resumed_at_us: T0 + 22 * S,
        };
        let processes = Processes {
            kills: &[(11, T0 + 3 * S)],
            stalls: &[stall],
            lease_us: 10 * S,
            ..Processes::default()
        };
        let runs = [
            // Finished, outcome dropped.
            claim(1, 1, 10, 0, 0, Some(S)),
            // Finished just before its process was killed.
            claim(2, 1, 11, 0, 0, Some(2 * S)),
            // Finished just before its process was stopped for longer than the lease.
            claim(3, 1, 12, 0, 0, Some(9 * S)),
            // The stall came before it was claimed: dropped.
            claim(4, 1, 12, 23 * S, 23 * S, Some(24 * S)),
            // Never finished.
            claim(5, 1, 13, 0, 0, None),
            // A stale claim of attempt 1 finished; the newer claim of attempt 1 was killed.
            claim(6, 1, 10, 0, 0, Some(S)),
            claim(6, 1, 11, S, S, None),
        ];
        let jobs = [
            job(1, JobState::Discarded, 1, &[1]),
            job(2, JobState::Discarded, 1, &[1]),
            job(3, JobState::Discarded, 1, &[1]),
            job(4, JobState::Discarded, 1, &[1]),
            job(5, JobState::Discarded, 1, &[1]),
            job(6, JobState::Discarded, 1, &[1]),
            job(7, JobState::Discarded, 1, &[1]),
            job(8, JobState::Completed, 1, &[]),
        ];
        let dropped: Vec<i64> = dropped_outcomes(&runs, &processes, 3 * S, &jobs)
            .iter()
            .map(|(id, _)| id.0)
            .collect();
        assert_eq!(dropped, vec![1, 4]);
        assert_eq!(discarded_unrun(&runs, &jobs), vec![JobId(7)]);
    }

    #[test]
    fn starts_noted_in_files_fill_in_runs_the_log_missed() {
        let logged = vec![claim(1, 1, 10, 0, 5, Some(9)), claim(2, 1, 10, 0, 7, None)];
        let noted = vec![
            claim(1, 1, 10, 0, 5, None),
            claim(3, 1, 10, 0, 6, None),
            claim(3, 1, 10, 0, 6, None),
        ];
        let runs = with_starts(logged, noted);
        let jobs: Vec<(i64, Option<i64>)> = runs
            .iter()
            .map(|r| (r.job_id, r.finished_us.map(|e| e - T0)))
            .collect();
        assert_eq!(jobs, vec![(1, Some(9)), (3, None), (2, None)]);
    }
}
