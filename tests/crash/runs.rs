//! The run log of crash tests and the chaos binary: every run of a job writes a row to
//! `crash_runs` in the database under test (job, lease token, attempt, process, start, end), so
//! the record outlives the process that ran it; and the invariants checked over it.
//! Self-contained (SeaORM and tranq only) so that `examples/chaos` includes it with `#[path]`.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tranq::{JobId, TaskContext};

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
    db.execute_unprepared(
        "CREATE TABLE crash_runs (job_id BIGINT NOT NULL, token BIGINT NOT NULL, \
         attempt BIGINT NOT NULL, pid BIGINT NOT NULL, started_us BIGINT NOT NULL, \
         finished_us BIGINT NULL)",
    )
    .await
    .expect("create crash_runs");
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

/// Records the start of the run `ctx` is for; returns when stored. The start time is taken
/// before the write, so a slow write never hides an overlap.
pub async fn record_start(db: &DatabaseConnection, ctx: &TaskContext) {
    let sql = format!(
        "INSERT INTO crash_runs (job_id, token, attempt, pid, started_us) VALUES ({}, {}, {}, {}, {})",
        ctx.job_id().0,
        ctx.lease_token(),
        ctx.attempt(),
        std::process::id(),
        now_us()
    );
    write(db, &sql).await;
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
    /// The runs behind `same_lease_twice` and `double_while_leased`, for the report.
    pub offending: Vec<(Run, Run)>,
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
    let committed: HashSet<i64> = committed.iter().map(|id| id.0).collect();
    let killed_at: HashMap<i64, i64> = kills.iter().map(|&(p, at)| (i64::from(p), at)).collect();
    let stopped_at: HashMap<i64, i64> = stops.iter().map(|&(p, at)| (i64::from(p), at)).collect();
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
        for pair in runs.windows(2) {
            let (first, next) = (pair[0], pair[1]);
            let pid = first.pid;
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
    }
}
