//! Crash tests with real processes, shared by `tests/crash_<database>.rs`. The test binary runs
//! a worker as a child process: it re-executes itself with `--exact crash_child_worker` and an
//! environment variable that makes that test run a worker until SIGTERM. The tests SIGKILL
//! children in the middle of jobs or SIGTERM them, then check the database: every committed job
//! completed, none lost, none ran twice while a lease was live, attempts counted; graceful
//! shutdown finishes what it can within the grace period and releases the rest at once.
//!
//! Runs are recorded by the jobs themselves in a table of the test database (`crash_runs`: job,
//! lease token, attempt, process, start and end), so they survive the process that ran them.
#![allow(dead_code)]

pub mod child;
pub mod runs;

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use tranq::{JobId, JobInfo, JobState};

use crate::databases::Database;
use child::{CrashJob, Settings};
use runs::Run;

/// Instantiates the crash tests for one database.
#[macro_export]
macro_rules! crash_tests {
    ($db:ty) => {
        /// Not a test of its own: the worker process the other tests start. Without the
        /// environment they set it returns at once.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn crash_child_worker() {
            $crate::crash::child::run().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sigkill_mid_job_loses_nothing_and_never_runs_a_job_twice_while_leased() {
            $crate::crash::sigkill_mid_job::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sigkill_gives_back_the_jobs_claimed_ahead_and_discards_none_that_never_ran() {
            $crate::crash::sigkill_claimed_ahead::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sigterm_finishes_in_flight_jobs_within_the_grace_period_and_releases_the_rest() {
            $crate::crash::sigterm::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_global_concurrency_limit_holds_across_three_worker_processes() {
            $crate::crash::global_limit::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_per_key_limit_holds_across_three_worker_processes() {
            $crate::crash::key_limit::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_rate_limit_holds_across_three_worker_processes() {
            $crate::crash::rate_limit::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_periodic_job_ticks_once_across_three_workers_and_a_killed_leader() {
            $crate::crash::periodic_leader_killed::<$db>().await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn complete_in_leaves_one_effect_per_job_under_sigkill_and_expired_leases() {
            $crate::crash::complete_in_effects::<$db>().await
        }
    };
}

pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A fresh database with tranq's schema and the runs table.
pub struct Fixture<D: Database> {
    pub url: String,
    handle: String,
    pub db: DatabaseConnection,
    pub store: tranq::sea_orm::Store,
    _db: std::marker::PhantomData<D>,
}

impl<D: Database> Fixture<D> {
    pub async fn new(test: &str) -> Self {
        let (url, handle) = D::create(test).await;
        let db = tranq::sea_orm::connect(&url).await.expect("connect");
        tranq::sea_orm::migrate(&db).await.expect("migrate");
        runs::create_table(&db).await;
        let store = tranq::sea_orm::Store::new(db.clone());
        Fixture {
            url,
            handle,
            db,
            store,
            _db: std::marker::PhantomData,
        }
    }

    /// Enqueues one job per duration in one transaction, which then commits or rolls back.
    pub async fn enqueue(&self, ms: &[u64], priority: i16, commit: bool) -> Vec<JobId> {
        let txn = self.db.begin().await.expect("begin");
        let ids = CrashJob::builder()
            .priority(priority)
            .enqueue_many_in(
                &txn,
                ms.iter().map(|&ms| child::CrashArgs {
                    ms,
                    snooze_forever: false,
                }),
            )
            .await
            .expect("enqueue");
        if commit {
            txn.commit().await.expect("commit");
        } else {
            txn.rollback().await.expect("rollback");
        }
        ids
    }

    /// Enqueues and commits `n` jobs of `ms` under each concurrency key; returns each job's key.
    pub async fn enqueue_keyed(&self, keys: &[&str], n: usize, ms: u64) -> Vec<(JobId, String)> {
        let txn = self.db.begin().await.expect("begin");
        let mut jobs = Vec::new();
        for key in keys {
            let args = (0..n).map(|_| child::CrashArgs {
                ms,
                snooze_forever: false,
            });
            let ids = CrashJob::builder()
                .concurrency_key(*key)
                .enqueue_many_in(&txn, args)
                .await
                .expect("enqueue");
            jobs.extend(ids.into_iter().map(|id| (id, (*key).to_owned())));
        }
        txn.commit().await.expect("commit");
        jobs
    }

    /// Enqueues and commits one job per duration, each allowed a single attempt.
    pub async fn enqueue_single_attempt(&self, ms: &[u64]) -> Vec<JobId> {
        let txn = self.db.begin().await.expect("begin");
        let ids = CrashJob::builder()
            .max_attempts(1)
            .enqueue_many_in(
                &txn,
                ms.iter().map(|&ms| child::CrashArgs {
                    ms,
                    snooze_forever: false,
                }),
            )
            .await
            .expect("enqueue");
        txn.commit().await.expect("commit");
        ids
    }

    pub async fn job(&self, id: JobId) -> JobInfo {
        self.store
            .job_get(id)
            .await
            .expect("job_get")
            .expect("the job exists")
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        let backend: DbBackend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .expect(sql)
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    pub async fn runs(&self) -> Vec<Run> {
        runs::all(&self.db).await
    }

    /// Starts one more worker, waits until `jobs` jobs are in one of `states` (an SQL list of
    /// quoted names), then stops it with SIGTERM and checks that it exited cleanly.
    pub async fn finish_with_last_worker(
        &self,
        name: &str,
        settings: &Settings,
        states: &str,
        jobs: usize,
        within: Duration,
    ) {
        let last = Worker::spawn(&self.url, name, settings);
        let finished = format!("SELECT count(*) FROM tranq_jobs WHERE state IN ({states})");
        self.wait(
            &format!("{jobs} jobs are {states}"),
            within,
            &[&last],
            || async { self.scalar(&finished).await == jobs as i64 },
        )
        .await;
        last.terminate();
        let status = last.exit(Duration::from_secs(15)).await;
        assert!(status.success(), "the last worker exited with {status}");
    }

    /// Waits until `check` holds, failing after `within` with the children's logs.
    pub async fn wait<F, Fut>(
        &self,
        what: &str,
        within: Duration,
        children: &[&Worker],
        mut check: F,
    ) where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        let deadline = Instant::now() + within;
        while !check().await {
            if Instant::now() > deadline {
                let logs: Vec<String> = children.iter().map(|c| c.log_tail()).collect();
                panic!("timed out waiting until {what}\n{}", logs.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn cleanup(self) {
        self.db.close().await.ok();
        D::drop(&self.handle).await;
    }
}

/// A worker process.
pub struct Worker {
    child: Child,
    log: PathBuf,
    pub pid: u32,
}

impl Worker {
    /// Starts this test binary as a worker process over `url`.
    pub fn spawn(url: &str, test: &str, settings: &Settings) -> Self {
        Self::spawn_with(url, test, settings, &[])
    }

    /// [`spawn`](Self::spawn), with more environment for the child.
    pub fn spawn_with(url: &str, test: &str, settings: &Settings, env: &[(&str, String)]) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tranq-test/crash-logs");
        std::fs::create_dir_all(&dir).expect("log dir");
        let log = dir.join(format!("{test}-{}.log", now_us()));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let exe = std::env::current_exe().expect("current exe");
        let mut command = Command::new(exe);
        command
            .args([
                "crash_child_worker",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        settings.apply(url, &mut command);
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        let child = command.spawn().expect("spawn a worker process");
        let pid = child.id();
        Worker { child, log, pid }
    }

    /// SIGKILL, and waits for the process to be gone; returns when it was killed (µs).
    pub fn kill(mut self) -> i64 {
        self.child.kill().expect("SIGKILL");
        let at = now_us();
        let _ = self.child.wait();
        at
    }

    /// SIGTERM: the worker shuts down gracefully.
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Sends `kill -<signal>` (TERM, STOP, CONT).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {}", self.pid);
    }

    /// Waits for the process to exit by itself.
    pub async fn exit(mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "worker {} did not exit within {within:?}\n{}",
                    self.pid,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "--- worker {} ({}) ---\n{}",
            self.pid,
            self.log.display(),
            lines[lines.len().saturating_sub(40)..].join("\n")
        )
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Jobs of 200–600 ms on 4 slots; two workers are SIGKILLed in turn while jobs run, a third
/// finishes the work.
pub async fn sigkill_mid_job<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_kill").await;
    let durations: Vec<u64> = (0..20).map(|i| 200 + (i % 5) * 100).collect();
    let mut committed = Vec::new();
    for round in 0..4 {
        committed.extend(f.enqueue(&durations, 0, true).await);
        if round % 2 == 0 {
            // Rolled back: no row, no run (ids prove nothing: SQLite hands them out again).
            f.enqueue(&durations[..5], 0, false).await;
        }
    }
    let settings = Settings {
        concurrency: 4,
        lease: Duration::from_secs(2),
        grace: Duration::from_secs(5),
    };
    let mut kills: Vec<(u32, i64)> = Vec::new();
    for victim in 0..2 {
        let w = Worker::spawn(&f.url, "kill", &settings);
        let pid = i64::from(w.pid);
        f.wait(
            "the worker is in the middle of jobs",
            Duration::from_secs(30),
            &[&w],
            || async {
                let runs = f.runs().await;
                let mine = runs.iter().filter(|r| r.pid == pid);
                let running = mine.clone().filter(|r| r.finished_us.is_none()).count();
                let done = mine.filter(|r| r.finished_us.is_some()).count();
                running >= 3 && done >= 2 + victim
            },
        )
        .await;
        let pid = w.pid;
        kills.push((pid, w.kill()));
    }
    f.finish_with_last_worker(
        "kill",
        &settings,
        "'completed'",
        committed.len(),
        Duration::from_secs(90),
    )
    .await;

    // Nothing lost, nothing of a rolled-back transaction exists or ran.
    assert_eq!(
        f.scalar("SELECT count(*) FROM tranq_jobs").await,
        committed.len() as i64
    );
    let runs = f.runs().await;
    let check = runs::check(&runs, &kills, &[], &committed);
    assert_eq!(check.ghost_runs, 0, "runs of jobs never committed");
    assert_eq!(check.same_lease_twice, 0, "one lease ran twice");
    assert_eq!(
        check.double_while_leased, 0,
        "a job ran again while a live worker ran it"
    );
    assert!(
        check.killed_mid_job >= 2,
        "the kills did not hit running jobs: {check:?}"
    );
    // Put back within seconds of the kill: the lease, a rescue tick. (When the job runs again
    // depends on the queue: retried after its backoff, it waits behind the jobs already due, so
    // the kill-to-rerun latencies in the report grow with the queue, not with the rescuer.)
    let (lease, rescue) = (settings.lease, child::RESCUE_INTERVAL);
    let bound = (lease + rescue + Duration::from_secs(3)).as_micros() as i64;
    let mut rescues_us = Vec::new();
    for run in runs.iter().filter(|r| r.finished_us.is_none()) {
        let Some(&(_, killed)) = kills.iter().find(|(pid, _)| i64::from(*pid) == run.pid) else {
            continue;
        };
        let job = f.job(JobId(run.job_id)).await;
        // The first put-back of that attempt after the kill (an attempt given back unstarted
        // earlier keeps its number).
        let put_back = job
            .errors
            .iter()
            .filter(|e| i64::from(e.attempt) == run.attempt)
            .map(|e| timestamp_us(&e.at) - killed)
            .filter(|&after| after >= 0)
            .min();
        let put_back = put_back.unwrap_or_else(|| {
            panic!(
                "job {}: attempt {} never put back: {job:?}",
                run.job_id, run.attempt
            )
        });
        rescues_us.push(put_back);
    }
    let slowest = rescues_us.iter().copied().max().unwrap_or(0);
    assert!(
        rescues_us.len() == check.killed_mid_job && slowest > 0 && slowest < bound,
        "a killed worker's job was put back {} ms after the kill: {rescues_us:?}",
        slowest / 1000
    );
    // Attempts counted: every attempt but the last is an error on the row (a killed one says
    // its lease expired; one claimed ahead and never started says it was given back and does
    // not count), and no attempt ran without being counted.
    for id in &committed {
        let job = f.job(*id).await;
        assert_eq!(job.state, JobState::Completed);
        let counted = job
            .errors
            .iter()
            .filter(|e| !e.message.contains("given back"))
            .count();
        assert_eq!(job.attempt as usize, counted + 1, "job {id}: {job:?}");
        // A run whose start was not yet stored when its process was killed is given back: it
        // ran, uncounted (once: the next claim waits for its start to be recorded).
        let given_back = job.errors.len() - counted;
        let mine: Vec<&Run> = runs.iter().filter(|r| r.job_id == id.0).collect();
        assert!(
            !mine.is_empty() && mine.len() <= job.attempt as usize + given_back,
            "job {id}: {mine:?}"
        );
        assert!(
            mine.iter()
                .any(|r| r.attempt == i64::from(job.attempt) && r.finished_us.is_some())
        );
        for e in &job.errors {
            assert!(
                e.message.starts_with("lease expired"),
                "job {id}: {:?}",
                job.errors
            );
        }
    }
    eprintln!("{check:?}\nput back after the kill (µs): {rescues_us:?}");
    f.cleanup().await;
}

/// A database timestamp of an attempt's error (RFC 3339) in µs since the epoch.
fn timestamp_us(at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|e| panic!("error timestamp {at:?}: {e}"))
        .timestamp_micros()
}

/// A worker SIGKILLed while it runs four jobs and holds four more claimed ahead (its prefetch
/// buffer), all allowed a single attempt: the four that started are used up (discarded), the
/// ones that never started keep their attempt and run on the next worker. No job is discarded
/// that never ran.
pub async fn sigkill_claimed_ahead<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_ahead").await;
    let ids = f.enqueue_single_attempt(&[1000; 16]).await;
    let settings = Settings {
        concurrency: 4,
        lease: Duration::from_secs(2),
        grace: Duration::from_secs(5),
    };
    let w = Worker::spawn(&f.url, "ahead", &settings);
    let pid = i64::from(w.pid);
    let claimed_by_victim = "SELECT count(*) FROM tranq_jobs WHERE state = 'running'";
    // Starts are recorded with the worker's next flush; a start not yet recorded when the
    // process dies is given back (one more run, tested in the conformance suite). Here the kill
    // comes once the four starts are stored.
    let started =
        "SELECT count(*) FROM tranq_jobs WHERE state = 'running' AND attempted_at IS NOT NULL";
    f.wait(
        "four jobs run, their starts stored, and four more are claimed ahead",
        Duration::from_secs(30),
        &[&w],
        || async {
            let running = f.runs().await.iter().filter(|r| r.pid == pid).count();
            running == 4 && f.scalar(claimed_by_victim).await >= 8 && f.scalar(started).await == 4
        },
    )
    .await;
    let kills = vec![(w.pid, w.kill())];
    f.finish_with_last_worker(
        "ahead",
        &settings,
        "'completed', 'discarded'",
        ids.len(),
        Duration::from_secs(60),
    )
    .await;

    let runs = f.runs().await;
    let check = runs::check(&runs, &kills, &[], &ids);
    assert_eq!(check.killed_mid_job, 4, "{check:?}");
    let mut discarded = 0;
    for id in &ids {
        let job = f.job(*id).await;
        let ran = runs.iter().filter(|r| r.job_id == id.0).count();
        assert_eq!(ran, 1, "job {id} ran {ran} times: {job:?}");
        match job.state {
            JobState::Discarded => {
                discarded += 1;
                assert!(
                    job.errors[0].message.starts_with("lease expired"),
                    "{job:?}"
                );
            }
            JobState::Completed => assert_eq!(job.attempt, 1, "job {id}: {job:?}"),
            other => panic!("job {id} is {other}"),
        }
    }
    assert_eq!(discarded, 4, "only the attempts that started are used up");
    f.cleanup().await;
}

/// Four jobs in flight when SIGTERM arrives: the two short ones finish within the grace
/// period, the two long ones are released when it ends, and the prefetched ones at once; the
/// process then exits by itself, long before any lease would expire.
pub async fn sigterm<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_term").await;
    let short = f.enqueue(&[1500, 1500], 0, true).await;
    let long = f.enqueue(&[60_000, 60_000], 0, true).await;
    let queued = f.enqueue(&[100; 6], 5, true).await;
    let grace = Duration::from_secs(3);
    let settings = Settings {
        concurrency: 4,
        lease: Duration::from_secs(60),
        grace,
    };
    let w = Worker::spawn(&f.url, "term", &settings);
    f.wait("four jobs run", Duration::from_secs(30), &[&w], || async {
        f.runs()
            .await
            .iter()
            .filter(|r| r.finished_us.is_none())
            .count()
            == 4
    })
    .await;
    let running: Vec<i64> = f.runs().await.iter().map(|r| r.job_id).collect();
    for id in short.iter().chain(&long) {
        assert!(
            running.contains(&id.0),
            "job {id} is not among the first four"
        );
    }

    let asked = Instant::now();
    w.terminate();
    let status = w.exit(grace + Duration::from_secs(5)).await;
    let took = asked.elapsed();
    assert!(status.success(), "the worker exited with {status}");
    assert!(
        took >= grace,
        "exited after {took:?}, before the grace period ran out"
    );

    for id in &short {
        assert_eq!(
            f.job(*id).await.state,
            JobState::Completed,
            "short job {id}"
        );
    }
    for id in long.iter().chain(&queued) {
        let job = f.job(*id).await;
        assert_eq!(
            job.state,
            JobState::Available,
            "job {id} was not released: {job:?}"
        );
        assert_eq!(
            job.attempt, 0,
            "job {id}: the interrupted attempt is given back"
        );
        assert!(job.errors.is_empty(), "job {id}: {:?}", job.errors);
    }
    let runs = f.runs().await;
    for id in &long {
        assert!(
            runs.iter()
                .all(|r| r.job_id != id.0 || r.finished_us.is_none()),
            "long job {id} finished"
        );
    }
    for id in &queued {
        assert!(runs.iter().all(|r| r.job_id != id.0), "queued job {id} ran");
    }
    assert_eq!(
        f.scalar("SELECT count(*) FROM tranq_jobs WHERE state = 'running'")
            .await,
        0
    );
    f.cleanup().await;
}

/// Jobs that write an effect row and complete in the same transaction (`ctx.complete_in`): one
/// worker SIGKILLed mid-job, another stopped (SIGSTOP) past its lease while its jobs run and then
/// resumed, a third finishing the work. Every job completes, with exactly one effect; the
/// resumed worker's completions are refused and their effects rolled back.
pub async fn complete_in_effects<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_effects").await;
    let txn = f.db.begin().await.expect("begin");
    let ids = child::EffectJob::enqueue_many_in(
        &txn,
        (0..40).map(|i| child::CrashArgs {
            ms: 300 + (i % 5) * 100,
            snooze_forever: false,
        }),
    )
    .await
    .expect("enqueue");
    txn.commit().await.expect("commit");
    let settings = Settings {
        concurrency: 4,
        lease: Duration::from_secs(1),
        grace: Duration::from_secs(5),
    };
    let in_the_middle = |pid: i64, done: usize| {
        let f = &f;
        async move {
            let runs = f.runs().await;
            let mine = runs.iter().filter(|r| r.pid == pid);
            let running = mine.clone().filter(|r| r.finished_us.is_none()).count();
            running >= 3 && mine.filter(|r| r.finished_us.is_some()).count() >= done
        }
    };

    let killed = Worker::spawn(&f.url, "effects", &settings);
    let pid = i64::from(killed.pid);
    f.wait(
        "the first worker is mid-job",
        Duration::from_secs(30),
        &[&killed],
        || in_the_middle(pid, 2),
    )
    .await;
    let kills = vec![(killed.pid, killed.kill())];

    let stopped = Worker::spawn(&f.url, "effects", &settings);
    let pid = i64::from(stopped.pid);
    f.wait(
        "the second worker is mid-job",
        Duration::from_secs(30),
        &[&stopped],
        || in_the_middle(pid, 1),
    )
    .await;
    stopped.signal("STOP");
    // Past its lease: a third worker rescues its jobs (and the killed one's) and runs them.
    let last = Worker::spawn(&f.url, "effects", &settings);
    tokio::time::sleep(settings.lease * 3).await;
    stopped.signal("CONT");
    let fenced = "SELECT count(*) FROM crash_fenced";
    f.wait(
        "the resumed worker's completions are refused",
        Duration::from_secs(30),
        &[&stopped, &last],
        || async { f.scalar(fenced).await >= 1 },
    )
    .await;
    stopped.terminate();
    let status = stopped.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "the resumed worker exited with {status}");
    let completed = "SELECT count(*) FROM tranq_jobs WHERE state = 'completed'";
    f.wait(
        "every job completed",
        Duration::from_secs(90),
        &[&last],
        || async { f.scalar(completed).await == ids.len() as i64 },
    )
    .await;
    last.terminate();
    let status = last.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "the last worker exited with {status}");

    // One effect per job: none lost to the kill, none doubled by the stale attempts.
    assert_eq!(
        f.scalar("SELECT count(*) FROM crash_effects").await,
        ids.len() as i64
    );
    assert_eq!(
        f.scalar("SELECT count(DISTINCT job_id) FROM crash_effects")
            .await,
        ids.len() as i64
    );
    // Each effect is the one of the attempt that completed the job (its token).
    let stale = "SELECT count(*) FROM crash_effects e JOIN tranq_jobs j ON j.id = e.job_id \
                 WHERE e.token <> j.lease_token";
    assert_eq!(
        f.scalar(stale).await,
        0,
        "an effect of a stale attempt committed"
    );
    let runs = f.runs().await;
    let check = runs::check(&runs, &kills, &[], &ids);
    assert_eq!(check.ghost_runs, 0);
    eprintln!(
        "complete_in: {} jobs, {} effects, {} completions refused after SIGSTOP, {} runs killed",
        ids.len(),
        f.scalar("SELECT count(*) FROM crash_effects").await,
        f.scalar(fenced).await,
        check.killed_mid_job
    );
    f.cleanup().await;
}

/// Three worker processes schedule the same job every second; the leader is SIGKILLed after
/// 8 s, and another takes over once its lease expires. Over 20 s: one job per tick, at the
/// tick's time; the only ticks without a job are the ones of the takeover.
pub async fn periodic_leader_killed<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_periodic").await;
    let settings = Settings {
        concurrency: 2,
        lease: Duration::from_secs(5),
        grace: Duration::from_secs(5),
    };
    let leader_lease = Duration::from_secs(2);
    let env = [
        (child::PERIODIC_MS, "1000".to_owned()),
        (child::LEADER_MS, leader_lease.as_millis().to_string()),
    ];
    let started = Instant::now();
    let mut workers: Vec<Worker> = (0..3)
        .map(|_| Worker::spawn_with(&f.url, "periodic", &settings, &env))
        .collect();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let backend = f.db.get_database_backend();
    let leader: String =
        f.db.query_one_raw(Statement::from_string(
            backend,
            "SELECT leader_id FROM tranq_leader",
        ))
        .await
        .expect("read the leader")
        .expect("a leader")
        .try_get_by_index(0)
        .expect("leader_id");
    let at = workers
        .iter()
        .position(|w| child::worker_id(w.pid) == leader)
        .unwrap_or_else(|| panic!("the leader {leader} is none of the three workers"));
    let killed_at = workers.remove(at).kill();
    tokio::time::sleep(Duration::from_secs(20).saturating_sub(started.elapsed())).await;
    for w in &workers {
        w.terminate();
    }
    for w in workers {
        let status = w.exit(Duration::from_secs(15)).await;
        assert!(status.success(), "a worker exited with {status}");
    }

    let jobs = f
        .store
        .jobs(&tranq::JobFilter::new().task("tick_job").limit(1000))
        .await
        .expect("list the ticks");
    let mut ticks: Vec<i64> = jobs.iter().map(|j| j.run_at_us).collect();
    ticks.sort_unstable();
    let distinct = {
        let mut d = ticks.clone();
        d.dedup();
        d.len()
    };
    assert_eq!(
        distinct,
        ticks.len(),
        "a tick was enqueued twice: {ticks:?}"
    );
    for t in &ticks {
        assert!(
            (t + 2) % 1_000_000 <= 4,
            "tick {t} is not on a whole second"
        );
    }
    // Consecutive seconds, but for one gap after the kill: at most the leader lease and a
    // check or two.
    let mut gaps = Vec::new();
    for pair in ticks.windows(2) {
        let seconds = (pair[1] - pair[0] + 500_000) / 1_000_000;
        if seconds > 1 {
            gaps.push((pair[0], seconds - 1));
        }
    }
    let missed: i64 = gaps.iter().map(|g| g.1).sum();
    let bound = leader_lease.as_secs() as i64 + 2;
    assert!(
        gaps.len() <= 1,
        "ticks missed more than once: {gaps:?} in {ticks:?}"
    );
    if let Some(&(before, missed)) = gaps.first() {
        assert!(
            missed <= bound,
            "{missed} ticks missed after the kill, more than {bound}"
        );
        assert!(
            (before - killed_at).abs() < 3_000_000,
            "ticks were missed at {before}, not around the kill at {killed_at}"
        );
    }
    assert!(
        ticks.len() >= 12,
        "only {} ticks in 20 s: {ticks:?}",
        ticks.len()
    );
    eprintln!(
        "PERIODIC workers=3 seconds=20 ticks={} duplicates=0 missed_at_takeover={missed}",
        ticks.len()
    );
    f.cleanup().await;
}

/// Three worker processes of 4 slots each serve a queue limited to 5 jobs at once: the runs
/// recorded by the jobs never overlap more than 5 deep, and reach 5.
pub async fn global_limit<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_limit").await;
    let ids = f.enqueue(&[400; 30], 0, true).await;
    let limit = 5;
    let env = [(child::GLOBAL_LIMIT, limit.to_string())];
    let (took, runs) = three_workers_complete(&f, "limit", &env, ids.len()).await;
    let most = most_at_once(runs.iter());
    let pids: std::collections::HashSet<i64> = runs.iter().map(|r| r.pid).collect();
    eprintln!(
        "LIMIT workers=3 slots=12 limit={limit} jobs={} most_at_once={most} processes_that_ran_jobs={} took={took:?} (30 x 400 ms at 5 at once: 2.4 s of work)",
        runs.len(),
        pids.len()
    );
    assert_eq!(runs.len(), ids.len(), "one run per job");
    assert!(
        most <= limit,
        "{most} jobs ran at once under a limit of {limit}"
    );
    assert_eq!(most, limit, "the limit is reached");
    f.cleanup().await;
}

/// Most of `runs` in flight at once, from their start and end records.
fn most_at_once<'a>(runs: impl Iterator<Item = &'a Run>) -> usize {
    let mut events: Vec<(i64, i32)> = runs
        .flat_map(|r| [(r.started_us, 1), (r.finished_us.unwrap_or(i64::MAX), -1)])
        .collect();
    events.sort_unstable_by_key(|&(at, delta)| (at, delta));
    let (mut now, mut most) = (0, 0);
    for (_, delta) in events {
        now += delta;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

/// Starts three worker processes of 4 slots each with `env`, waits until every job of `ids`
/// completed, stops them; returns how long that took and the runs.
async fn three_workers_complete<D: Database>(
    f: &Fixture<D>,
    name: &str,
    env: &[(&str, String)],
    jobs: usize,
) -> (Duration, Vec<Run>) {
    let settings = Settings {
        concurrency: 4,
        lease: Duration::from_secs(10),
        grace: Duration::from_secs(5),
    };
    let started = Instant::now();
    let workers: Vec<Worker> = (0..3)
        .map(|_| Worker::spawn_with(&f.url, name, &settings, env))
        .collect();
    let completed = "SELECT count(*) FROM tranq_jobs WHERE state = 'completed'";
    let refs: Vec<&Worker> = workers.iter().collect();
    f.wait(
        "every job completed",
        Duration::from_secs(60),
        &refs,
        || async { f.scalar(completed).await == jobs as i64 },
    )
    .await;
    let took = started.elapsed();
    for w in &workers {
        w.terminate();
    }
    for w in workers {
        let status = w.exit(Duration::from_secs(15)).await;
        assert!(status.success(), "a worker exited with {status}");
    }
    (took, f.runs().await)
}

/// Three worker processes of 4 slots each serve a queue limited to 2 running jobs per
/// customer, with 3 customers: no customer ever has more than 2 running, each reaches 2, and
/// the three run beside each other (6 at once).
pub async fn key_limit<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_key_limit").await;
    let customers = ["c0", "c1", "c2"];
    let jobs = f.enqueue_keyed(&customers, 10, 300).await;
    let limit = 2;
    let env = [(child::KEY_LIMIT, limit.to_string())];
    let (took, runs) = three_workers_complete(&f, "key_limit", &env, jobs.len()).await;
    let key_of: std::collections::HashMap<i64, &str> =
        jobs.iter().map(|(id, key)| (id.0, key.as_str())).collect();
    let per_key: Vec<usize> = customers
        .iter()
        .map(|c| most_at_once(runs.iter().filter(|r| key_of.get(&r.job_id) == Some(c))))
        .collect();
    let most = most_at_once(runs.iter());
    eprintln!(
        "KEY_LIMIT workers=3 slots=12 keys=3 limit_per_key={limit} jobs={} most_at_once_per_key={per_key:?} most_at_once={most} took={took:?} (10 x 300 ms per key at 2 at once: 1.5 s of work)",
        runs.len()
    );
    assert_eq!(runs.len(), jobs.len(), "one run per job");
    for (customer, most) in customers.iter().zip(&per_key) {
        assert!(
            *most <= limit,
            "{most} jobs of {customer} ran at once under a limit of {limit} per key"
        );
        assert_eq!(*most, limit, "the limit of {customer} is reached");
    }
    assert_eq!(
        most,
        limit * customers.len(),
        "the keys run beside each other"
    );
    f.cleanup().await;
}

/// Three worker processes of 4 slots each serve a queue limited to 10 starts per second: no
/// 11 starts fall within a second (less the delay from a claim to its handler's start), and
/// the 40 jobs take about the 3 s the limit allows, not much more.
pub async fn rate_limit<D: Database>() {
    let f: Fixture<D> = Fixture::new("crash_rate_limit").await;
    let ids = f.enqueue(&[10; 40], 0, true).await;
    let (allowed, period) = (10usize, Duration::from_secs(1));
    let env = [(
        child::RATE_LIMIT,
        format!("{allowed}/{}", period.as_millis()),
    )];
    let (took, runs) = three_workers_complete(&f, "rate_limit", &env, ids.len()).await;
    let mut starts: Vec<i64> = runs.iter().map(|r| r.started_us).collect();
    starts.sort_unstable();
    let period_us = i64::try_from(period.as_micros()).unwrap_or(i64::MAX);
    // Most starts within any window of `period` that opens at a start.
    let most_in_window = (0..starts.len())
        .map(|i| starts[i..].partition_point(|&s| s < starts[i] + period_us))
        .max()
        .unwrap_or(0);
    let closest_us = starts
        .windows(allowed + 1)
        .map(|w| w[allowed] - w[0])
        .min()
        .unwrap_or(i64::MAX);
    let span_us = starts.last().copied().unwrap_or(0) - starts.first().copied().unwrap_or(0);
    let pids: std::collections::HashSet<i64> = runs.iter().map(|r| r.pid).collect();
    eprintln!(
        "RATE workers=3 slots=12 limit={allowed}/{period:?} jobs={} most_starts_in_any_window={most_in_window} closest_{}_starts={:.1}ms first_to_last_start={:.2}s processes_that_ran_jobs={} took={took:?} (40 starts at 10/s: 3 s)",
        runs.len(),
        allowed + 1,
        closest_us as f64 / 1000.0,
        span_us as f64 / 1e6,
        pids.len()
    );
    assert_eq!(runs.len(), ids.len(), "one run per job");
    // The limit counts claims on the database's clock; a handler starts a little after its
    // claim, so 11 starts may come that little less than a period apart.
    assert!(
        closest_us >= period_us - 50_000,
        "{} starts within {closest_us} us under a limit of {allowed} per {period:?}",
        allowed + 1
    );
    assert!(
        span_us >= 3 * period_us - 50_000,
        "40 starts in {span_us} us under a limit of 10 per second"
    );
    assert!(
        span_us < 3 * period_us + 900_000,
        "40 starts took {span_us} us: the limit of 10 per second was not reached"
    );
    f.cleanup().await;
}
