//! [`Store`] over any [`Backend`]: the SQL comes from the dialect, the backend only runs it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::control::{Cancellation, Control};
use super::{
    Backend, ClaimParams, Completion, FailParams, JobFilter, LeaderParams, LimitedClaim,
    Notifications, PruneParams, QueueLimits, Store, Transaction,
};
use crate::dialect::{Dialect, Query, Row, RowShape, Value};
use crate::error::{Error, Result};
use crate::insert::{Enqueued, InsertPlan, inserted_ids};
use crate::job::{AttemptError, ClaimedJob, JobId, JobInfo, JobState, Lease};
use crate::last_insert_id::{InsertAnswer, InsertIds, InsertStep, LastIdInsert};
use crate::new_job::NewJob;

/// Names of every query this store runs; each dialect must define them all.
#[cfg(test)]
pub(crate) const QUERY_NAMES: &[&str] = &[
    "job_insert",
    "job_insert_unique",
    "job_claim",
    "job_queue_lock_insert",
    "job_running_count",
    "job_running_by_key",
    "job_claim_keyed_candidates",
    "job_claim_ids",
    "job_rate_started",
    "job_rate_record",
    "job_rate_prune",
    "job_complete_many",
    "job_complete_in_txn",
    "job_complete_delete_many",
    "job_fail",
    "job_release_many",
    "job_heartbeat_many",
    "job_mark_started",
    "job_rescue_expired",
    "job_unknown_tasks",
    "job_get",
    "job_due_probe",
    "job_list",
    "job_cancel_waiting",
    "job_cancel_running",
    "job_cancel_requested",
    "job_discard_waiting",
    "job_retry_now",
    "job_prune_finished",
    "leader_delete_expired",
    "leader_attempt_elect",
    "leader_attempt_reelect",
    "leader_resign",
    "migration_lock",
    "migration_create_table",
    "migration_applied",
    "migration_record",
    "queue_stats",
    "job_get_times",
    "job_failure_groups",
    "job_throughput",
];

/// The [`Store`] every adapter hands to the worker: `SqlStore::new(pool)`.
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    backend: B,
    relaxed_commit: bool,
}

impl<B: Backend> SqlStore<B> {
    /// Wraps an adapter's backend (anything that converts into one, such as a pool).
    pub fn new(backend: impl Into<B>) -> Self {
        SqlStore {
            backend: backend.into(),
            relaxed_commit: false,
        }
    }

    /// Lets the worker's claims and completions commit without waiting for the database to
    /// flush them to disk (PostgreSQL: `synchronous_commit = off` for those transactions only;
    /// enqueues and every other write stay as the database is configured). Default: off.
    ///
    /// On a server whose fsync takes a millisecond this makes pickup and throughput several
    /// times faster. The price, paid only if the database server itself crashes: the last
    /// fraction of a second of claims and completions may be lost. At-least-once still holds (a
    /// job whose completion was lost runs again after its lease expires), but a job whose claim
    /// was lost can be claimed again while its first run is still going. The fence still holds:
    /// lease tokens come from the database clock, so the new claim never gets the lost claim's
    /// token, and the first run cannot complete, fail, heartbeat or release the job. Leave it
    /// off when a job must never run twice at the same time even across a database crash.
    ///
    /// ```no_run
    /// # fn demo<B: tranq_core::Backend>(pool: B) {
    /// let store = tranq_core::SqlStore::<B>::new(pool).relaxed_commit(true);
    /// # }
    /// ```
    pub fn relaxed_commit(mut self, relaxed: bool) -> Self {
        self.relaxed_commit = relaxed;
        self
    }

    /// `<name>_relaxed` when commits are relaxed and the dialect has that variant.
    fn variant(&self, name: &'static str, relaxed: &'static str) -> &'static str {
        if self.relaxed_commit && self.dialect().has(relaxed) {
            relaxed
        } else {
            name
        }
    }

    /// The adapter's backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Creates or upgrades tranq's tables; safe to run from many processes at once. The same as
    /// the adapter's `migrate`, callable without the [`Store`] trait in scope.
    pub async fn migrate(&self) -> Result<()> {
        <Self as Store>::migrate(self).await
    }

    /// Reads one job: its state, attempts, errors and result (`None` when there is no such
    /// row). Callable without the [`Store`] trait in scope.
    ///
    /// ```no_run
    /// # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> tranq_core::Result<()> {
    /// if let Some(job) = store.job_get(tranq_core::JobId(42)).await? {
    ///     println!("{} after {} attempts", job.state, job.attempt);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn job_get(&self, id: JobId) -> Result<Option<JobInfo>> {
        <Self as Store>::job_get(self, id).await
    }

    /// A page of jobs, in id order: by queue, task and state, after a cursor. The next page is
    /// `filter.after(last id)`; a page shorter than the limit is the last.
    ///
    /// ```no_run
    /// # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> tranq_core::Result<()> {
    /// use tranq_core::{JobFilter, JobState};
    ///
    /// let mut filter = JobFilter::new().state(JobState::Discarded).limit(100);
    /// loop {
    ///     let page = store.jobs(&filter).await?;
    ///     for job in &page {
    ///         println!("{} {} after {} attempts", job.id, job.task, job.attempt);
    ///     }
    ///     match page.last() {
    ///         Some(last) if page.len() == 100 => filter = filter.after(last.id),
    ///         _ => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobInfo>> {
        <Self as Store>::job_list(self, filter).await
    }

    /// Claims job `id` when it is available or retryable, due or not, leasing it to
    /// `worker_id` for `lease`: the claim of [`job_claim`](Store::job_claim) for one job named
    /// by id. `None` when there is no such job or it is in another state. What
    /// `tranq::testing`'s `run_job` runs on; not public API.
    #[doc(hidden)]
    pub async fn job_claim_id(
        &self,
        id: JobId,
        worker_id: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>> {
        let params = vec![
            json_param(&[id.0])?,
            Value::Text(worker_id.to_owned()),
            millis(lease),
            Value::Int(0), // due or not
        ];
        let asked = Instant::now();
        let rows = self
            .update_returning("job_claim_ids", params, RowShape::ClaimedJob)
            .await?;
        rows.first().map(|row| claimed(row, asked)).transpose()
    }

    /// Cancels a job. A waiting one (available, scheduled or retryable) is cancelled at once and
    /// will not run: [`Cancellation::Cancelled`]. A running one is asked to stop
    /// ([`Cancellation::Requested`]): its handler's `ctx.cancelled()` fires (at once on
    /// PostgreSQL, which notifies the worker; elsewhere at the worker's next heartbeat, within
    /// a third of the lease), and the job ends cancelled, not retried, unless the handler
    /// still returns `Ok` (then it completed). [`Error::NoSuchJob`] when there is none,
    /// [`Error::WrongJobState`] when it is finished.
    pub async fn cancel(&self, id: JobId) -> Result<Cancellation> {
        match self.control(id, Control::Cancel).await {
            Ok(()) => Ok(Cancellation::Cancelled),
            // Not waiting: running, ask its worker (it may have finished meanwhile: say so).
            Err(Error::WrongJobState {
                state: JobState::Running,
                ..
            }) if self
                .changed("job_cancel_running", vec![Value::Int(id.0)])
                .await? =>
            {
                Ok(Cancellation::Requested)
            }
            Err(e) => Err(e),
        }
    }

    /// Discards a job that is waiting (available, scheduled or retryable): it will not run, and
    /// shows as given up on. Errors as [`cancel`](Self::cancel).
    pub async fn discard(&self, id: JobId) -> Result<()> {
        self.control(id, Control::Discard).await
    }

    /// Makes a retryable, discarded or cancelled job runnable at once, keeping its attempts (one
    /// more is allowed when they were all used up). [`Error::NoSuchJob`] when there is none,
    /// [`Error::WrongJobState`] when it is waiting, running or completed,
    /// [`Error::UniqueKeyTaken`] when another live job holds its unique key now.
    pub async fn retry(&self, id: JobId) -> Result<()> {
        self.control(id, Control::Retry).await
    }

    /// Runs `action`'s conditional update; when it changed nothing, says why.
    async fn control(&self, id: JobId, action: Control) -> Result<()> {
        match self.changed(action.query(), vec![Value::Int(id.0)]).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) if e.is_unique_key_taken() => return Err(Error::UniqueKeyTaken { id: id.0 }),
            Err(e) => return Err(e),
        }
        match <Self as Store>::job_get(self, id).await? {
            None => Err(Error::NoSuchJob { id: id.0 }),
            Some(job) => Err(Error::WrongJobState {
                id: id.0,
                action: action.verb(),
                state: job.state,
                applies_to: action.applies_to(),
            }),
        }
    }

    fn query(&self, name: &str, params: Vec<Value>, shape: RowShape) -> Result<Query> {
        self.backend.dialect().query(name, params, shape)
    }

    /// Runs a statement; true when it changed a row.
    async fn changed(&self, name: &str, params: Vec<Value>) -> Result<bool> {
        let query = self.query(name, params, RowShape::Nothing)?;
        Ok(self.backend.execute(&query).await? > 0)
    }

    /// A claimed row that cannot be run as it stands (edited by hand into an impossible state,
    /// such as a negative attempt): reported, and discarded with the reason under the claim's
    /// token, so that neither this claim nor the rest of its batch fails over it.
    async fn set_aside(&self, row: &Row, error: &Error) {
        let (Ok(id), Ok(token)) = (row.int(0), row.int(6)) else {
            tracing::error!(%error, ?row, "tranq: claimed a job row in an impossible state that cannot even be identified; skipped, the rescuer puts it back when its lease expires");
            return;
        };
        tracing::error!(job.id = id, %error, "tranq: claimed a job row in an impossible state (edited by hand?); skipped and discarded without running it");
        let discard = FailParams {
            id: JobId(id),
            token,
            next_state: JobState::Discarded,
            delay: Duration::ZERO,
            give_back_attempt: false,
            error: Some(format!(
                "not run: the row is in an impossible state ({error}); fix it and retry the job"
            )),
        };
        // A busy database may refuse the write once (a deadlock, a lock wait): try again
        // before leaving the row to the rescuer, which waits for the whole lease.
        for attempt in 1..=3u64 {
            match self.job_fail(&discard).await {
                Ok(_) => return,
                Err(error) if attempt == 3 => {
                    tracing::warn!(job.id = id, %error, "tranq: could not discard a row in an impossible state; the rescuer puts it back when its lease expires");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50 * attempt)).await,
            }
        }
    }

    async fn ids(&self, name: &'static str, params: Vec<Value>) -> Result<Vec<JobId>> {
        inserted_ids(self.update_returning(name, params, RowShape::Id).await?)
    }

    /// Runs an `UPDATE ... RETURNING`. Where the dialect has none (MySQL), it runs, in one
    /// transaction: `<name>_candidates` when the dialect has it (a plain read whose ids become
    /// one more parameter), `<name>_select` (locks the ids), `<name>` (with the locked ids as one
    /// more parameter) and, for rows other than ids, `<name>_fetch`.
    async fn update_returning(
        &self,
        name: &'static str,
        params: Vec<Value>,
        shape: RowShape,
    ) -> Result<Vec<Row>> {
        if self.dialect().supports_update_returning() {
            return self.backend.fetch(&self.query(name, params, shape)?).await;
        }
        let mut tx = self.backend.begin().await?;
        let rows = self
            .update_returning_in(&mut *tx, name, params, shape)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// [`update_returning`](Self::update_returning) inside the open transaction `tx`.
    async fn update_returning_in(
        &self,
        tx: &mut dyn Transaction,
        name: &'static str,
        params: Vec<Value>,
        shape: RowShape,
    ) -> Result<Vec<Row>> {
        let dialect = self.dialect();
        if dialect.supports_update_returning() {
            return tx.fetch(&self.query(name, params, shape)?).await;
        }
        let mut params = params;
        let candidates = format!("{name}_candidates");
        if dialect.has(&candidates) {
            // A plain read first, then lock only those rows (see job_claim_candidates).
            let ids = inserted_ids(
                tx.fetch(&dialect.query(&candidates, params.clone(), RowShape::Id)?)
                    .await?,
            )?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            params.push(json_param(&ids)?);
        }
        let locked = tx
            .fetch(&dialect.query(&format!("{name}_select"), params.clone(), RowShape::Id)?)
            .await?;
        if locked.is_empty() {
            return Ok(locked);
        }
        let ids = inserted_ids(locked.clone())?;
        let mut with_ids = params;
        with_ids.push(json_param(&ids)?);
        tx.execute(&dialect.query(name, with_ids.clone(), RowShape::Nothing)?)
            .await?;
        match shape {
            RowShape::Id => Ok(locked),
            _ => {
                tx.fetch(&dialect.query(&format!("{name}_fetch"), with_ids, shape)?)
                    .await
            }
        }
    }

    /// The claimed rows as jobs, in the claim's order; a row whose values are impossible is set
    /// aside.
    async fn claimed_jobs(&self, rows: &[Row], asked: Instant) -> Vec<ClaimedJob> {
        let mut jobs = Vec::with_capacity(rows.len());
        for row in rows {
            match claimed(row, asked) {
                Ok(job) => jobs.push(job),
                Err(error) => self.set_aside(row, &error).await,
            }
        }
        // RETURNING gives rows in no particular order; a worker starts (and prefetches) them
        // in the claim's order.
        jobs.sort_by_key(|j| (j.priority, j.id));
        jobs
    }

    /// The parameters of `job_claim` for `p`, claiming at most `limit` jobs.
    fn claim_params(&self, p: &ClaimParams<'_>, limit: u32) -> Vec<Value> {
        let dialect = self.dialect();
        let mut params = vec![
            Value::Text(p.queue.to_owned()),
            dialect.text_list(p.tasks),
            Value::Int(i64::from(limit)),
            Value::Text(p.worker_id.to_owned()),
            millis(p.lease),
        ];
        if dialect.has("job_claim_candidates") {
            params.push(Value::Int(claim_candidates(limit)));
        }
        params
    }

    /// The claim of a queue with limits: in one transaction, lock the queue's row of
    /// `tranq_queue_locks` (claims of the queue by every worker queue up behind it), work out
    /// what the limits leave from the queue's running jobs and recent starts, and claim no more.
    async fn claim_limited(
        &self,
        p: &ClaimParams<'_>,
        limits: &QueueLimits,
    ) -> Result<LimitedClaim> {
        let asked = Instant::now();
        let dialect = self.dialect();
        let queue = Value::Text(p.queue.to_owned());
        let mut tx = self.backend.begin().await?;
        tx.execute(&self.query(
            "job_queue_lock_insert",
            vec![queue.clone()],
            RowShape::Nothing,
        )?)
        .await?;
        if dialect.has("job_queue_lock") {
            tx.fetch(&self.query("job_queue_lock", vec![queue.clone()], RowShape::Nothing)?)
                .await?;
        }
        let count = |rows: Vec<Row>| -> Result<i64> {
            rows.first()
                .map(|row| row.int(1))
                .transpose()
                .map(|n| n.unwrap_or(0))
        };
        let mut room = i64::from(p.limit);
        if let Some(max) = limits.max_running {
            let running = count(
                tx.fetch(&self.query(
                    "job_running_count",
                    vec![queue.clone()],
                    RowShape::TaskCount,
                )?)
                .await?,
            )?;
            room = room.min(i64::from(max) - running);
        }
        if let Some(rate) = limits.rate {
            let params = vec![queue.clone(), millis(rate.period)];
            let started = count(
                tx.fetch(&self.query("job_rate_started", params, RowShape::TaskCount)?)
                    .await?,
            )?;
            room = room.min(i64::from(rate.allowed) - started);
        }
        let room = u32::try_from(room.max(0)).unwrap_or(0);
        // The global limit or the rate cut the room; whether that held jobs back depends on
        // whether the claim then filled it (a short claim means the queue ran out).
        let room_cut = room < p.limit;
        let mut held_by_key = false;
        let rows = if room == 0 {
            Vec::new()
        } else if let Some(per_key) = limits.max_running_per_key {
            let (ids, skipped) = self.choose_by_key(&mut *tx, p, room, per_key).await?;
            held_by_key = skipped;
            if ids.is_empty() {
                Vec::new()
            } else {
                let params = vec![
                    json_param(&ids)?,
                    Value::Text(p.worker_id.to_owned()),
                    millis(p.lease),
                    Value::Int(1), // only if due
                ];
                self.update_returning_in(&mut *tx, "job_claim_ids", params, RowShape::ClaimedJob)
                    .await?
            }
        } else {
            let params = self.claim_params(p, room);
            self.update_returning_in(&mut *tx, "job_claim", params, RowShape::ClaimedJob)
                .await?
        };
        let held_back = held_by_key || (room_cut && rows.len() == room as usize);
        if let Some(rate) = limits.rate
            && !rows.is_empty()
        {
            let claimed = Value::Int(i64::try_from(rows.len()).unwrap_or(i64::MAX));
            tx.execute(&self.query(
                "job_rate_record",
                vec![queue.clone(), claimed],
                RowShape::Nothing,
            )?)
            .await?;
            tx.execute(&self.query(
                "job_rate_prune",
                vec![queue, millis(rate.period)],
                RowShape::Nothing,
            )?)
            .await?;
        }
        tx.commit().await?;
        Ok(LimitedClaim {
            jobs: self.claimed_jobs(&rows, asked).await,
            held_back,
        })
    }

    /// Under a per-key limit: the runnable jobs to claim, at most `room`, in claim order, none
    /// of a key that already has `per_key` running (counting the ones chosen here). Also says
    /// whether a key's limit kept a job back.
    async fn choose_by_key(
        &self,
        tx: &mut dyn Transaction,
        p: &ClaimParams<'_>,
        room: u32,
        per_key: u32,
    ) -> Result<(Vec<i64>, bool)> {
        let queue = Value::Text(p.queue.to_owned());
        let mut running: HashMap<String, i64> = HashMap::new();
        for row in tx
            .fetch(&self.query(
                "job_running_by_key",
                vec![queue.clone()],
                RowShape::TaskCount,
            )?)
            .await?
        {
            running.insert(row.text(0)?.to_owned(), row.int(1)?);
        }
        let per_key = i64::from(per_key);
        let full: Vec<&str> = running
            .iter()
            .filter(|&(_, &n)| n >= per_key)
            .map(|(key, _)| key.as_str())
            .collect();
        let mut held_back = !full.is_empty();
        let params = vec![
            queue,
            self.dialect().text_list(p.tasks),
            json_param(&full)?,
            Value::Int(claim_candidates(room)),
        ];
        let candidates = tx
            .fetch(&self.query("job_claim_keyed_candidates", params, RowShape::IdKey)?)
            .await?;
        let mut chosen = Vec::new();
        for row in &candidates {
            if chosen.len() == room as usize {
                break;
            }
            if let Some(key) = row.opt_text(1)? {
                let now = running.entry(key.to_owned()).or_insert(0);
                if *now >= per_key {
                    held_back = true;
                    continue;
                }
                *now += 1;
            }
            chosen.push(row.int(0)?);
        }
        // Locked in id order, like every batch write.
        chosen.sort_unstable();
        Ok((chosen, held_back))
    }
}

fn json_param<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_string(value)
        .map(Value::Text)
        .map_err(|e| Error::Corrupt(e.to_string()))
}

/// Milliseconds, at most [`MAX_DELAY`](crate::MAX_DELAY)'s: every database can add that to now.
fn millis(d: Duration) -> Value {
    Value::Int(i64::try_from(crate::delay::clamp(d).as_millis()).unwrap_or(i64::MAX))
}

/// A batch as one JSON parameter, in id order: every batch write locks its rows in one order,
/// so two batches over the same rows (a heartbeat and a completion) cannot deadlock each other.
fn sorted_batch<T: serde::Serialize>(
    items: &[T],
    key: impl Fn(&T) -> (JobId, i64),
) -> Result<Value> {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_unstable_by_key(|item| key(item));
    json_param(&sorted)
}

fn sorted_leases(leases: &[Lease]) -> Result<Value> {
    sorted_batch(leases, |l| (l.id, l.token))
}

fn sorted_completions(done: &[Completion]) -> Result<Value> {
    sorted_batch(done, |c| (c.id, c.token))
}

/// How many candidates a claim of `limit` jobs reads before locking (`job_claim_candidates`):
/// enough that several workers claiming at once each find rows the others did not lock.
fn claim_candidates(limit: u32) -> i64 {
    (i64::from(limit) * 4 + 64).min(10_000)
}

fn small(row: &Row, i: usize) -> Result<u32> {
    u32::try_from(row.int(i)?).map_err(|e| Error::Corrupt(format!("column {i}: {e}")))
}

fn claimed(row: &Row, asked: Instant) -> Result<ClaimedJob> {
    let job = ClaimedJob {
        id: JobId(row.int(0)?),
        task: row.text(1)?.to_owned(),
        queue: row.text(2)?.to_owned(),
        args: row.text(3)?.to_owned(),
        attempt: small(row, 4)?,
        max_attempts: small(row, 5)?,
        lease_token: row.int(6)?,
        priority: i16::try_from(row.int(7)?).map_err(|e| Error::Corrupt(e.to_string()))?,
        wait_for_start: row.int(8)? != 0,
        claimed_at: asked,
        // Clocks may disagree a little: a job due in the future was due for no time.
        due_before_claim: Duration::from_micros(u64::try_from(row.int(9)?).unwrap_or(0)),
        enqueue_trace: crate::trace_link::EnqueueTrace::parse(row.opt_text(10)?),
    };
    // A claim counts an attempt and the schema allows at least one: anything else was made by
    // hand.
    if job.attempt == 0 || job.max_attempts == 0 {
        return Err(Error::Corrupt(format!(
            "attempt {} of max_attempts {}",
            job.attempt, job.max_attempts
        )));
    }
    Ok(job)
}

pub(crate) fn job_info(row: &Row) -> Result<JobInfo> {
    let json = |i: usize| -> Result<serde_json::Value> {
        serde_json::from_str(row.text(i)?).map_err(|e| Error::Corrupt(format!("column {i}: {e}")))
    };
    Ok(JobInfo {
        id: JobId(row.int(0)?),
        queue: row.text(1)?.to_owned(),
        task: row.text(2)?.to_owned(),
        args: json(3)?,
        state: row.text(4)?.parse()?,
        priority: i16::try_from(row.int(5)?).map_err(|e| Error::Corrupt(e.to_string()))?,
        attempt: small(row, 6)?,
        max_attempts: small(row, 7)?,
        errors: serde_json::from_value::<Vec<AttemptError>>(json(8)?)
            .map_err(|e| Error::Corrupt(format!("errors: {e}")))?,
        tags: serde_json::from_value(json(9)?).map_err(|e| Error::Corrupt(format!("tags: {e}")))?,
        result: row
            .opt_text(10)?
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| Error::Corrupt(format!("result: {e}")))?,
        run_at_us: row.int(11)?,
    })
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    async fn queue_stats(&self) -> Result<Vec<super::QueueStats>> {
        self.fetch_queue_stats().await
    }

    async fn migrate(&self) -> Result<()> {
        crate::migrate::run(&self.backend).await
    }

    async fn job_insert_many(&self, jobs: &[NewJob]) -> Result<Vec<JobId>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        match self.backend.insert_ids() {
            InsertIds::Returning => {
                let plan = InsertPlan::new(self.dialect(), jobs);
                let rows = self.backend.fetch(&plan.query()?).await?;
                Ok(plan.read(rows)?.into_iter().map(Enqueued::id).collect())
            }
            InsertIds::LastInsertId => {
                // One connection for every statement: LAST_INSERT_ID() is per connection.
                let mut plan = LastIdInsert::new(self.dialect(), jobs)?;
                let mut tx = self.backend.begin().await?;
                let mut answer = InsertAnswer::Start;
                loop {
                    answer = match plan.next(answer)? {
                        InsertStep::Execute(query) => {
                            InsertAnswer::Affected(tx.execute(&query).await?)
                        }
                        InsertStep::Fetch(query) => InsertAnswer::Rows(tx.fetch(&query).await?),
                        InsertStep::Done(outcomes) => {
                            tx.commit().await?;
                            return Ok(outcomes.into_iter().map(Enqueued::id).collect());
                        }
                    }
                }
            }
        }
    }

    async fn job_claim(&self, p: &ClaimParams<'_>) -> Result<Vec<ClaimedJob>> {
        let asked = Instant::now();
        let rows = self
            .update_returning(
                self.variant("job_claim", "job_claim_relaxed"),
                self.claim_params(p, p.limit),
                RowShape::ClaimedJob,
            )
            .await?;
        Ok(self.claimed_jobs(&rows, asked).await)
    }

    async fn job_claim_limited(
        &self,
        p: &ClaimParams<'_>,
        limits: &QueueLimits,
    ) -> Result<LimitedClaim> {
        self.claim_limited(p, limits).await
    }

    async fn job_complete_many(&self, done: &[Completion]) -> Result<Vec<JobId>> {
        if done.is_empty() {
            return Ok(Vec::new());
        }
        let name = self.variant("job_complete_many", "job_complete_many_relaxed");
        self.ids(name, vec![sorted_completions(done)?]).await
    }

    async fn job_complete_delete_many(&self, done: &[Completion]) -> Result<Vec<JobId>> {
        if done.is_empty() {
            return Ok(Vec::new());
        }
        let name = self.variant(
            "job_complete_delete_many",
            "job_complete_delete_many_relaxed",
        );
        self.ids(name, vec![sorted_completions(done)?]).await
    }

    async fn job_fail(&self, p: &FailParams) -> Result<bool> {
        let params = vec![
            Value::Int(p.id.0),
            Value::Int(p.token),
            Value::Text(p.next_state.as_str().to_owned()),
            millis(p.delay),
            Value::Int(i64::from(p.give_back_attempt)),
            p.error.clone().map_or(Value::Null, Value::Text),
        ];
        if self.dialect().supports_update_returning() {
            Ok(!self.ids("job_fail", params).await?.is_empty())
        } else {
            // One row, fenced in its WHERE clause: the affected-row count is the answer.
            let query = self.query("job_fail", params, RowShape::Nothing)?;
            Ok(self.backend.execute(&query).await? > 0)
        }
    }

    async fn job_release_many(&self, leases: &[Lease]) -> Result<Vec<JobId>> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        self.ids("job_release_many", vec![sorted_leases(leases)?])
            .await
    }

    async fn job_heartbeat_many(&self, leases: &[Lease], lease: Duration) -> Result<Vec<JobId>> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        self.ids(
            "job_heartbeat_many",
            vec![sorted_leases(leases)?, millis(lease)],
        )
        .await
    }

    async fn job_cancel_requested(&self, ids: &[JobId]) -> Result<Vec<JobId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let json = serde_json::to_string(&ids).map_err(|e| Error::Corrupt(e.to_string()))?;
        let query = self.query(
            "job_cancel_requested",
            vec![Value::Text(json)],
            RowShape::Id,
        )?;
        inserted_ids(self.backend.fetch(&query).await?)
    }

    async fn job_mark_started(&self, leases: &[Lease]) -> Result<u64> {
        if leases.is_empty() {
            return Ok(0);
        }
        let query = self.query(
            "job_mark_started",
            vec![sorted_leases(leases)?],
            RowShape::Nothing,
        )?;
        self.backend.execute(&query).await
    }

    async fn job_rescue_expired(&self, limit: u32) -> Result<Vec<JobId>> {
        self.ids("job_rescue_expired", vec![Value::Int(i64::from(limit))])
            .await
    }

    async fn job_prune_finished(&self, p: &PruneParams) -> Result<u64> {
        let params = vec![millis(p.retention), Value::Int(i64::from(p.limit))];
        let query = self.query("job_prune_finished", params, RowShape::Nothing)?;
        self.backend.execute(&query).await
    }

    async fn leader_attempt_elect(&self, p: &LeaderParams<'_>) -> Result<bool> {
        self.changed("leader_delete_expired", vec![]).await?;
        let params = vec![Value::Text(p.leader_id.to_owned()), millis(p.ttl)];
        self.changed("leader_attempt_elect", params).await
    }

    async fn leader_attempt_reelect(&self, p: &LeaderParams<'_>) -> Result<bool> {
        let params = vec![Value::Text(p.leader_id.to_owned()), millis(p.ttl)];
        self.changed("leader_attempt_reelect", params).await
    }

    async fn leader_resign(&self, leader_id: &str) -> Result<bool> {
        self.changed("leader_resign", vec![Value::Text(leader_id.to_owned())])
            .await
    }

    async fn job_unknown_tasks(
        &self,
        queues: &[&str],
        known: &[&str],
    ) -> Result<Vec<(String, i64)>> {
        let dialect = self.dialect();
        let query = self.query(
            "job_unknown_tasks",
            vec![dialect.text_list(queues), dialect.text_list(known)],
            RowShape::TaskCount,
        )?;
        self.backend
            .fetch(&query)
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?.to_owned(), r.int(1)?)))
            .collect()
    }

    async fn job_list(&self, filter: &JobFilter) -> Result<Vec<JobInfo>> {
        let text = |value: Option<&str>| value.map_or(Value::Null, |v| Value::Text(v.to_owned()));
        let params = vec![
            text(filter.queue.as_deref()),
            text(filter.task.as_deref()),
            text(filter.state.map(JobState::as_str)),
            Value::Int(filter.after.0),
            Value::Int(filter.limit.into()),
        ];
        let query = self.query("job_list", params, RowShape::Job)?;
        self.backend
            .fetch(&query)
            .await?
            .iter()
            .map(job_info)
            .collect()
    }

    async fn job_get(&self, id: JobId) -> Result<Option<JobInfo>> {
        let query = self.query("job_get", vec![Value::Int(id.0)], RowShape::Job)?;
        self.backend
            .fetch(&query)
            .await?
            .first()
            .map(job_info)
            .transpose()
    }

    async fn job_due(&self, queue: &str) -> Result<bool> {
        let query = self.query(
            "job_due_probe",
            vec![Value::Text(queue.to_owned())],
            RowShape::Id,
        )?;
        Ok(!self.backend.fetch(&query).await?.is_empty())
    }

    async fn subscribe(&self) -> Result<Option<Notifications>> {
        if !self.dialect().supports_listen_notify() {
            return Ok(None);
        }
        self.backend.listen(Dialect::NOTIFY_CHANNEL).await
    }
}
