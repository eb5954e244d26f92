-- MariaDB 10.6+ / MySQL 8: times are UTC DATETIME(6). MySQL has no UPDATE ... RETURNING, so an
-- update that reports its rows is several queries in one short transaction, run by the store:
-- `<name>_candidates` where there is one (a plain read whose ids arrive as one more parameter),
-- `<name>_select` locks the ids, `<name>` updates them (the locked ids arrive as one more
-- parameter, a JSON array), and `<name>_fetch` (when the rows are wanted) reads them back.
-- Rows are always reached from a JSON_TABLE of ids through the primary key, the JSON_TABLE first
-- (STRAIGHT_JOIN): an `id IN (subquery)` in an UPDATE is not turned into a join, and a join the
-- optimizer may order either way scans the table when it is small or the statement prepared;
-- under REPEATABLE READ a scan locks every row it reads (claims that lock rows of tasks they do
-- not take; deadlocks between claims and completions).

-- name: job_insert
-- MariaDB returns the ids; the JSON array is unpacked by JSON_TABLE.
INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags, metadata)
SELECT x.queue, x.task, x.args, COALESCE(x.priority, 0),
       CASE WHEN x.run_at_us IS NOT NULL
            THEN TIMESTAMPADD(MICROSECOND, x.run_at_us, '1970-01-01 00:00:00')
            ELSE TIMESTAMPADD(MICROSECOND, COALESCE(x.delay_us, 0), UTC_TIMESTAMP(6)) END,
       x.max_attempts, COALESCE(x.tags, '[]'), COALESCE(x.metadata, '{}')
FROM JSON_TABLE($1, '$[*]' COLUMNS (
    ord FOR ORDINALITY,
    queue VARCHAR(128) PATH '$.queue',
    task VARCHAR(255) PATH '$.task',
    args JSON PATH '$.args',
    priority SMALLINT PATH '$.priority',
    run_at_us BIGINT PATH '$.run_at_us',
    delay_us BIGINT PATH '$.delay_us',
    max_attempts INT PATH '$.max_attempts',
    tags JSON PATH '$.tags',
    metadata JSON PATH '$.metadata')) AS x
ORDER BY x.ord
RETURNING id

-- name: job_inserted_first_id
-- For a client that cannot read rows from INSERT ... RETURNING (see LastIdInsert in
-- last_insert_id.rs), on one connection: before a batch, for the lock mode; right after
-- `job_insert` ran without its RETURNING clause, for the statement's first id. Columns: that
-- first id, the id step, and the lock mode that says whether one statement's ids are
-- consecutive (0 and 1: yes).
SELECT CAST(LAST_INSERT_ID() AS SIGNED) AS first_id,
       CAST(@@auto_increment_increment AS SIGNED) AS step,
       CAST(@@innodb_autoinc_lock_mode AS SIGNED) AS lock_mode

-- name: job_insert_unique
-- job_insert for a batch with unique keys ($1, no key twice in it), $2 the statement's insert
-- mark. A job whose (task, unique_key) is held by a job in that job's `unique_states` (the
-- generated `unique_live` is not NULL) is not inserted: ON DUPLICATE KEY locks the holder and
-- RETURNING returns it. Rows this statement inserted carry the mark as their lease_token
-- (negative: a claim replaces it with a positive token), so the caller tells inserted from
-- duplicate rows by it.
INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags,
                        unique_key, unique_states, lease_token, metadata)
SELECT x.queue, x.task, x.args, COALESCE(x.priority, 0),
       CASE WHEN x.run_at_us IS NOT NULL
            THEN TIMESTAMPADD(MICROSECOND, x.run_at_us, '1970-01-01 00:00:00')
            ELSE TIMESTAMPADD(MICROSECOND, COALESCE(x.delay_us, 0), UTC_TIMESTAMP(6)) END,
       x.max_attempts, COALESCE(x.tags, '[]'), x.unique_key, x.unique_states, $2, COALESCE(x.metadata, '{}')
FROM JSON_TABLE($1, '$[*]' COLUMNS (
    ord FOR ORDINALITY,
    queue VARCHAR(128) PATH '$.queue',
    task VARCHAR(255) PATH '$.task',
    args JSON PATH '$.args',
    priority SMALLINT PATH '$.priority',
    run_at_us BIGINT PATH '$.run_at_us',
    delay_us BIGINT PATH '$.delay_us',
    max_attempts INT PATH '$.max_attempts',
    tags JSON PATH '$.tags',
    unique_key VARCHAR(255) PATH '$.unique_key',
    unique_states SMALLINT PATH '$.unique_states',
    metadata JSON PATH '$.metadata')) AS x
ORDER BY x.ord
ON DUPLICATE KEY UPDATE id = id
RETURNING id, task, unique_key, lease_token

-- name: job_insert_unique_read
-- For a client that cannot read rows from INSERT ... RETURNING: after job_insert_unique ran
-- without its RETURNING clause, in the same transaction, the row holding each key of $1 (the
-- same JSON array, every job with a key). The insert locked each of them (the ones it wrote and
-- the holders it found), and a locking read sees their latest version.
SELECT STRAIGHT_JOIN j.id, j.task, j.unique_key, j.lease_token
FROM JSON_TABLE($1, '$[*]' COLUMNS (
    task VARCHAR(255) PATH '$.task',
    unique_key VARCHAR(255) PATH '$.unique_key')) AS x
JOIN tranq_jobs j ON j.task = x.task AND j.unique_live = x.unique_key
FOR UPDATE

-- name: job_claim_candidates
-- $1 queue, $2 task names (JSON array), $6 how many candidates (more than the claim takes, so
-- that workers claiming at once find enough that the others have not locked).
-- A plain read, which locks nothing: under REPEATABLE READ a locking read locks every row it
-- looks at, and `task` is not in the claim index, so a locking walk of the index would lock the
-- rows of tasks this worker does not know and starve the workers that do (a rolling deploy).
-- The task test is a scalar JSON_CONTAINS, not `task IN (SELECT … FROM JSON_TABLE …)`: MariaDB
-- runs that semi-join with a join buffer, which sorts every runnable row of the queue (a claim
-- from 15,000 queued jobs read them all: 9 ms), where this walks the index in order and stops
-- at the LIMIT.
SELECT id FROM tranq_jobs
WHERE queue = $1
  AND claimable = 1
  AND run_at <= UTC_TIMESTAMP(6)
  AND JSON_CONTAINS($2, JSON_QUOTE(task))
ORDER BY priority, run_at, id
LIMIT $6

-- name: job_claim_select
-- $3 how many, $7 the candidates (JSON array of ids, in claim order). Each candidate is
-- reached through the primary key and locked only if still claimable and not locked by another
-- claim, so the claim locks exactly the rows it takes.
SELECT j.id FROM JSON_TABLE($7, '$[*]' COLUMNS (ord FOR ORDINALITY, id BIGINT PATH '$')) AS c
STRAIGHT_JOIN tranq_jobs AS j ON j.id = c.id
WHERE j.claimable = 1 AND j.run_at <= UTC_TIMESTAMP(6)
ORDER BY c.ord
LIMIT $3
FOR UPDATE SKIP LOCKED

-- name: job_claim
-- $4 worker id, $5 lease in ms, $8 the ids locked by job_claim_select. The attempt is counted
-- here, but `attempted_at` stays NULL until the handler starts (job_mark_started): the rescuer
-- gives the attempt back to a job whose worker died before starting it. The lease token grows
-- and comes from the clock (microseconds), so a claim lost in a server crash is never followed
-- by a claim with the same token.
UPDATE JSON_TABLE($8, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c
STRAIGHT_JOIN tranq_jobs AS j ON j.id = c.id
SET j.state = 'running',
    j.attempt = j.attempt + 1,
    j.attempted_at = NULL,
    j.lease_owner = $4,
    j.lease_token = GREATEST(j.lease_token + 1,
        CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) AS SIGNED)),
    j.lease_expires_at = TIMESTAMPADD(MICROSECOND, $5 * 1000, UTC_TIMESTAMP(6))

-- name: job_claim_fetch
-- Also how long each job was due before this claim (`pickup_us`, for the pickup metric) and the
-- enqueuing span (`trace`, from metadata; see trace_link.rs).
SELECT j.id, j.task, j.queue, j.args, CAST(j.attempt AS SIGNED) AS attempt,
       CAST(j.max_attempts AS SIGNED) AS max_attempts, j.lease_token,
       CAST(j.priority AS SIGNED) AS priority,
       CAST(JSON_LENGTH(j.errors) >= j.attempt AS SIGNED) AS given_back,
       CAST(TIMESTAMPDIFF(MICROSECOND, j.run_at, UTC_TIMESTAMP(6)) AS SIGNED) AS pickup_us,
       CAST(JSON_EXTRACT(j.metadata, '$.trace') AS CHAR) AS trace
FROM JSON_TABLE($8, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c
JOIN tranq_jobs AS j ON j.id = c.id

-- name: job_claim_ids
-- $2 worker id, $3 lease in ms, $5 the ids locked by job_claim_ids_select; as job_claim.
UPDATE JSON_TABLE($5, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c
STRAIGHT_JOIN tranq_jobs AS j ON j.id = c.id
SET j.state = 'running',
    j.attempt = j.attempt + 1,
    j.attempted_at = NULL,
    j.lease_owner = $2,
    j.lease_token = GREATEST(j.lease_token + 1,
        CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) AS SIGNED)),
    j.lease_expires_at = TIMESTAMPADD(MICROSECOND, $3 * 1000, UTC_TIMESTAMP(6))

-- name: job_claim_ids_fetch
SELECT j.id, j.task, j.queue, j.args, CAST(j.attempt AS SIGNED) AS attempt,
       CAST(j.max_attempts AS SIGNED) AS max_attempts, j.lease_token,
       CAST(j.priority AS SIGNED) AS priority,
       CAST(JSON_LENGTH(j.errors) >= j.attempt AS SIGNED) AS given_back,
       CAST(GREATEST(TIMESTAMPDIFF(MICROSECOND, j.run_at, UTC_TIMESTAMP(6)), 0) AS SIGNED) AS pickup_us,
       CAST(JSON_EXTRACT(j.metadata, '$.trace') AS CHAR) AS trace
FROM JSON_TABLE($5, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c
JOIN tranq_jobs AS j ON j.id = c.id

-- name: job_complete_many_select, job_complete_delete_many_select, job_release_many_select, job_heartbeat_many_select
-- $1 [{"id", "token", ...}]: the rows still running under the given leases, locked. The store
-- sends the leases in id order and the join walks them in that order (STRAIGHT_JOIN), so every
-- batch write locks its rows in one order and two batches cannot deadlock each other.
SELECT j.id
FROM JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token')) AS c
STRAIGHT_JOIN tranq_jobs AS j ON j.id = c.id AND j.lease_token = c.token
WHERE j.state = 'running'
FOR UPDATE

-- name: job_complete_many
-- $1 [{"id", "token", "result"}]; updates the rows job_complete_many_select locked, found again
-- by the same conditions ($2, their ids, is not needed). One JSON_TABLE only: MariaDB evaluates
-- a JSON_TABLE joined after another table once per outer row, so a second one (for the
-- results) made a batch of n completions cost n² (200 rows: 23.6 ms, against 3 ms now).
UPDATE JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token',
                                      result JSON PATH '$.result')) AS c
STRAIGHT_JOIN tranq_jobs AS j ON j.id = c.id AND j.lease_token = c.token AND j.state = 'running'
SET j.state = 'completed', j.finished_at = UTC_TIMESTAMP(6), j.result = c.result,
    j.attempted_at = COALESCE(j.attempted_at, UTC_TIMESTAMP(6)),
    j.lease_owner = NULL, j.lease_expires_at = NULL

-- name: job_complete_delete_many
-- Same input as job_complete_many; the row of a completed job is deleted at once.
DELETE j FROM JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l
STRAIGHT_JOIN tranq_jobs AS j ON j.id = l.id

-- name: job_fail
-- $1 id, $2 token, $3 next state, $4 delay ms, $5 attempts given back, $6 error or NULL.
-- One row, fenced in the WHERE clause: the affected-row count says whether it applied.
UPDATE tranq_jobs
SET errors = CASE WHEN $6 IS NULL THEN errors
                  ELSE JSON_ARRAY_APPEND(errors, '$', JSON_OBJECT(
                      'attempt', attempt,
                      'at', DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'),
                      'message', $6)) END,
    run_at = CASE WHEN $3 IN ('available', 'retryable')
                  THEN TIMESTAMPADD(MICROSECOND, $4 * 1000, UTC_TIMESTAMP(6)) ELSE run_at END,
    attempt = attempt - $5,
    finished_at = CASE WHEN $3 IN ('discarded', 'cancelled', 'completed') THEN UTC_TIMESTAMP(6) END,
    lease_owner = NULL, lease_expires_at = NULL,
    state = $3
WHERE id = $1 AND lease_token = $2 AND state = 'running'

-- name: job_release_many
UPDATE JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l
STRAIGHT_JOIN tranq_jobs AS j ON j.id = l.id
SET j.state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'available' END,
    j.finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL THEN UTC_TIMESTAMP(6) END,
    j.attempt = GREATEST(j.attempt - 1, 0),
    j.lease_owner = NULL, j.lease_expires_at = NULL

-- name: job_heartbeat_many
-- $2 lease in ms, $3 the ids locked by job_heartbeat_many_select.
UPDATE JSON_TABLE($3, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l
STRAIGHT_JOIN tranq_jobs AS j ON j.id = l.id
SET j.lease_expires_at = TIMESTAMPADD(MICROSECOND, $2 * 1000, UTC_TIMESTAMP(6))

-- name: job_mark_started
-- $1 [{"id", "token"}] of attempts whose handler starts. One statement, no read back: the JSON
-- array (in id order) drives the join, so rows are locked in id order like every batch write.
UPDATE JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token')) AS l
STRAIGHT_JOIN tranq_jobs AS j ON j.id = l.id AND j.lease_token = l.token
SET j.attempted_at = UTC_TIMESTAMP(6)
WHERE j.state = 'running'

-- name: job_rescue_expired_select
-- A running row without a lease expiry (impossible unless edited by hand) counts as expired.
SELECT id FROM tranq_jobs
WHERE state = 'running' AND (lease_expires_at < UTC_TIMESTAMP(6) OR lease_expires_at IS NULL)
ORDER BY lease_expires_at
LIMIT $1
FOR UPDATE SKIP LOCKED

-- name: job_rescue_expired
-- $2 the ids locked by job_rescue_expired_select. An attempt whose start was never recorded
-- (claimed ahead, then the worker died) is given back and the job keeps its place (its next
-- claim's handler waits until its start is recorded; see job_claim's `given_back`); one that
-- started counts: retried after 2^(attempt-1) s (at most an hour), or discarded when
-- attempts are used up; a job asked to cancel ends cancelled. Every assignment reads the row as it was (SIMULTANEOUS_ASSIGNMENT, for
-- this statement only: MariaDB otherwise lets an assignment see the ones before it).
SET STATEMENT sql_mode = CONCAT(@@sql_mode, ',SIMULTANEOUS_ASSIGNMENT') FOR
UPDATE JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l
STRAIGHT_JOIN tranq_jobs AS j ON j.id = l.id
SET j.finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL
                              OR (NOT (j.attempted_at IS NULL) AND j.attempt >= j.max_attempts)
                         THEN UTC_TIMESTAMP(6) END,
    j.run_at = CASE WHEN j.attempted_at IS NULL THEN j.run_at
                    ELSE TIMESTAMPADD(SECOND, LEAST(1 << LEAST(GREATEST(j.attempt - 1, 0), 12), 3600),
                                      UTC_TIMESTAMP(6)) END,
    j.state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
                   WHEN NOT (j.attempted_at IS NULL) AND j.attempt >= j.max_attempts THEN 'discarded'
                   ELSE 'retryable' END,
    j.errors = JSON_ARRAY_APPEND(j.errors, '$', JSON_OBJECT(
        'attempt', j.attempt,
        'at', DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'),
        'message', CASE WHEN j.attempted_at IS NULL THEN 'lease expired before the attempt started (its worker stopped with the job claimed ahead); the attempt is given back'
                        WHEN j.lease_expires_at IS NULL THEN 'lease expired: the job was running without a lease expiry (a row edited by hand?)'
                        ELSE 'lease expired: the worker running this attempt stopped (crash or lost connection)' END)),
    j.attempt = CASE WHEN j.attempted_at IS NULL THEN GREATEST(j.attempt - 1, 0) ELSE j.attempt END,
    j.lease_owner = NULL, j.lease_expires_at = NULL

-- name: job_unknown_tasks
SELECT task, COUNT(*) AS count
FROM tranq_jobs
WHERE state IN ('available', 'retryable')
  AND queue IN (SELECT q.name FROM JSON_TABLE($1, '$[*]' COLUMNS (name VARCHAR(128) PATH '$')) AS q)
  AND task NOT IN (SELECT t.name FROM JSON_TABLE($2, '$[*]' COLUMNS (name VARCHAR(255) PATH '$')) AS t)
GROUP BY task
ORDER BY task

-- name: job_due_probe
-- $1 queue. Whether the queue has a job due now: one plain read through the claim's index,
-- locking nothing; idle workers ask it at short intervals after a local enqueue (local_wake.rs).
SELECT id FROM tranq_jobs
WHERE queue = $1
  AND claimable = 1
  AND run_at <= UTC_TIMESTAMP(6)
LIMIT 1

-- name: job_get
SELECT id, queue, task, args, state, CAST(priority AS SIGNED) AS priority,
       CAST(attempt AS SIGNED) AS attempt, CAST(max_attempts AS SIGNED) AS max_attempts,
       errors, tags, result,
       CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', run_at) AS SIGNED) AS run_at_us
FROM tranq_jobs
WHERE id = $1

-- name: job_list
-- One page of jobs, oldest first, after the cursor id $4; $1..$3 filter when not NULL.
SELECT id, queue, task, args, state, CAST(priority AS SIGNED) AS priority,
       CAST(attempt AS SIGNED) AS attempt, CAST(max_attempts AS SIGNED) AS max_attempts,
       errors, tags, result,
       CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', run_at) AS SIGNED) AS run_at_us
FROM tranq_jobs
WHERE ($1 IS NULL OR queue = $1)
  AND ($2 IS NULL OR task = $2)
  AND ($3 IS NULL OR state = $3)
  AND id > $4
ORDER BY id
LIMIT $5

-- name: job_cancel_waiting
-- A job nobody holds ends cancelled; a running one is left alone.
UPDATE tranq_jobs
SET state = 'cancelled', finished_at = UTC_TIMESTAMP(6)
WHERE id = $1 AND state IN ('available', 'retryable')

-- name: job_discard_waiting
UPDATE tranq_jobs
SET state = 'discarded', finished_at = UTC_TIMESTAMP(6)
WHERE id = $1 AND state IN ('available', 'retryable')

-- name: job_queue_lock_insert
-- The lock row of queue $1, for a claim under a global concurrency limit (see job_queue_lock).
INSERT INTO tranq_queue_locks (queue) VALUES ($1) ON DUPLICATE KEY UPDATE queue = queue

-- name: job_queue_lock
-- Claims of queue $1 under a global concurrency limit queue up here, each in its transaction.
-- The count after it is the transaction's first plain read, so its snapshot is taken once the
-- lock is held, with every claim committed before.
SELECT queue FROM tranq_queue_locks WHERE queue = $1 FOR UPDATE

-- name: job_running_count
-- The running jobs of queue $1 (claimed ahead ones included), under job_queue_lock.
SELECT CAST($1 AS CHAR) AS task, COUNT(*) AS count
FROM tranq_jobs WHERE queue = $1 AND state = 'running'

-- name: job_complete_in_txn
-- $1 id, $2 lease token: `ctx.complete_in(conn)`, inside the handler's own transaction. Only
-- the attempt holding the current token may complete; no row changed means its lease was lost.
UPDATE tranq_jobs
SET state = 'completed', finished_at = UTC_TIMESTAMP(6), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_token = $2 AND state = 'running'

-- name: job_cancel_running
-- Asks the worker running job $1 to stop: its next heartbeat calls the attempt off, and the job
-- ends cancelled rather than retried.
UPDATE tranq_jobs SET cancel_requested_at = UTC_TIMESTAMP(6)
WHERE id = $1 AND state = 'running'

-- name: job_cancel_requested
-- Of the running jobs $1 (JSON array of ids), those asked to cancel.
SELECT j.id FROM JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l
STRAIGHT_JOIN tranq_jobs AS j ON j.id = l.id
WHERE j.state = 'running' AND j.cancel_requested_at IS NOT NULL

-- name: job_retry_now
-- Runnable at once, its attempts kept; one more allowed when they are all used up.
UPDATE tranq_jobs
SET state = 'available', run_at = UTC_TIMESTAMP(6), finished_at = NULL, cancel_requested_at = NULL,
    max_attempts = GREATEST(max_attempts, attempt + 1)
WHERE id = $1 AND state IN ('retryable', 'discarded', 'cancelled')

-- name: job_running_by_key
-- The running jobs of queue $1 per concurrency key (metadata.concurrency_key), under
-- job_queue_lock; jobs without a key are not counted.
SELECT k.concurrency_key AS task, COUNT(*) AS count
FROM (SELECT JSON_VALUE(metadata, '$.concurrency_key') AS concurrency_key
      FROM tranq_jobs WHERE queue = $1 AND state = 'running') AS k
WHERE k.concurrency_key IS NOT NULL
GROUP BY k.concurrency_key

-- name: job_claim_keyed_candidates
-- $1 queue, $2 task names (JSON array), $3 keys at their limit (JSON array), $4 how many. The
-- runnable jobs a claim under a per-key limit chooses from, in claim order, leaving out the
-- keys that already have their limit running; a plain read (see job_claim_candidates).
SELECT c.id, c.concurrency_key
FROM (SELECT id, priority, run_at, JSON_VALUE(metadata, '$.concurrency_key') AS concurrency_key
      FROM tranq_jobs
      WHERE queue = $1
        AND claimable = 1
        AND run_at <= UTC_TIMESTAMP(6)
        AND JSON_CONTAINS($2, JSON_QUOTE(task))
     ) AS c
WHERE c.concurrency_key IS NULL
   OR NOT JSON_CONTAINS($3, JSON_QUOTE(c.concurrency_key))
ORDER BY c.priority, c.run_at, c.id
LIMIT $4

-- name: job_claim_ids_select
-- $1 ids (JSON array, in id order), $4 1: only if due, 0: due or not. These jobs, locked when
-- still claimable and not locked by another claim: the ones a claim under a per-key limit chose
-- (due), or the one tranq::testing's run_job runs now (due or not).
SELECT j.id FROM JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c
STRAIGHT_JOIN tranq_jobs AS j ON j.id = c.id
WHERE j.claimable = 1 AND ($4 = 0 OR j.run_at <= UTC_TIMESTAMP(6))
FOR UPDATE SKIP LOCKED

-- name: job_rate_started
-- $1 queue, $2 the rate limit's period in ms: how many jobs of the queue were claimed in the
-- last period (tranq_queue_starts), under job_queue_lock.
SELECT CAST($1 AS CHAR) AS task, CAST(COALESCE(SUM(jobs), 0) AS SIGNED) AS count
FROM tranq_queue_starts
WHERE queue = $1
  AND started_at > CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) AS SIGNED)
                   - $2 * 1000

-- name: job_rate_record
-- $1 queue, $2 how many jobs a claim under a rate limit took, now.
INSERT INTO tranq_queue_starts (queue, started_at, jobs)
VALUES ($1, CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) AS SIGNED), $2)

-- name: job_rate_prune
-- $1 queue, $2 period in ms: the starts that no window counts any more.
DELETE FROM tranq_queue_starts
WHERE queue = $1
  AND started_at <= CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) AS SIGNED)
                    - $2 * 1000
