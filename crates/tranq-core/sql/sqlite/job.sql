-- SQLite: times are integer microseconds; "now" is CAST(unixepoch('subsec') * 1000000 AS INTEGER),
-- the same value for every row of one statement. JSON documents are text.

-- name: job_insert
INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags, metadata)
SELECT x.value ->> '$.queue', x.value ->> '$.task', x.value -> '$.args', COALESCE(x.value ->> '$.priority', 0),
       COALESCE(x.value ->> '$.run_at_us',
                CAST(unixepoch('subsec') * 1000000 AS INTEGER) + COALESCE(x.value ->> '$.delay_us', 0)),
       x.value ->> '$.max_attempts', COALESCE(x.value -> '$.tags', '[]'), COALESCE(x.value -> '$.metadata', '{}')
FROM json_each($1) AS x
ORDER BY x.key
RETURNING id

-- name: job_insert_unique
-- job_insert for a batch with unique keys ($1, no key twice in it), $2 the statement's insert
-- mark. A job whose (task, unique_key) is held by a job in that job's `unique_states` is not
-- inserted: ON CONFLICT returns the holder instead (writers are serialised by SQLite). Rows this
-- statement inserted carry the mark as their lease_token (negative: a claim replaces it with a
-- positive token), so the caller tells inserted from duplicate rows by it.
INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags,
                        unique_key, unique_states, lease_token, metadata)
SELECT x.value ->> '$.queue', x.value ->> '$.task', x.value -> '$.args', COALESCE(x.value ->> '$.priority', 0),
       COALESCE(x.value ->> '$.run_at_us',
                CAST(unixepoch('subsec') * 1000000 AS INTEGER) + COALESCE(x.value ->> '$.delay_us', 0)),
       x.value ->> '$.max_attempts', COALESCE(x.value -> '$.tags', '[]'),
       x.value ->> '$.unique_key', x.value ->> '$.unique_states', $2,
       COALESCE(x.value -> '$.metadata', '{}')
FROM json_each($1) AS x
WHERE true
ORDER BY x.key
ON CONFLICT (task, unique_key)
    WHERE unique_key IS NOT NULL
      AND (unique_states & CASE state WHEN 'available' THEN 1 WHEN 'running' THEN 2
                                      WHEN 'retryable' THEN 4 WHEN 'completed' THEN 8
                                      WHEN 'discarded' THEN 16 ELSE 32 END) <> 0
DO UPDATE SET unique_key = excluded.unique_key
RETURNING id, task, unique_key, lease_token

-- name: job_claim
-- $1 queue, $2 task names (JSON array), $3 how many, $4 worker id, $5 lease in ms.
-- Also returns how long each job was due before this claim (`pickup_us`, for the pickup
-- metric) and the enqueuing span (`trace`, from metadata; see trace_link.rs).
-- Writers are serialised by SQLite itself: no SKIP LOCKED needed. Columns a hand edit may have
-- left as text are read as integers, so that one odd row cannot fail the whole batch (the store
-- then sets aside a row whose values are impossible).
-- The attempt is counted here, but `attempted_at` stays NULL until the handler starts
-- (job_mark_started): the rescuer gives the attempt back to a job whose worker died before
-- starting it. The lease token grows and comes from the clock (microseconds), so a claim lost
-- in a crash is never followed by a claim with the same token.
UPDATE tranq_jobs
SET state = 'running',
    attempt = attempt + 1,
    attempted_at = NULL,
    lease_owner = $4,
    lease_token = max(lease_token + 1, CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    lease_expires_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER) + $5 * 1000
WHERE id IN (
    SELECT id FROM tranq_jobs
    WHERE state IN ('available', 'retryable')
      AND queue = $1
      AND run_at <= CAST(unixepoch('subsec') * 1000000 AS INTEGER)
      AND task IN (SELECT value FROM json_each($2))
    ORDER BY priority, run_at, id
    LIMIT $3
)
RETURNING id, task, queue, args, attempt, CAST(max_attempts AS INTEGER) AS max_attempts,
          lease_token, CAST(priority AS INTEGER) AS priority,
          CAST(json_array_length(CASE WHEN json_valid(errors) = 0 THEN '[]'
                                      WHEN json_type(errors) <> 'array' THEN '[]'
                                      ELSE errors END) >= attempt AS INTEGER) AS given_back,
          CAST(unixepoch('subsec') * 1000000 AS INTEGER) - CAST(run_at AS INTEGER) AS pickup_us,
          CASE WHEN json_valid(metadata) THEN metadata -> '$.trace' END AS trace

-- name: job_complete_many
-- The batch is unpacked once into a materialised table (SQLite indexes it for the lookups);
-- an UPDATE ... FROM json_each here was planned as a scan of tranq_jobs per batch row.
WITH c(id, token, result) AS MATERIALIZED (
    SELECT value ->> '$.id', value ->> '$.token', value -> '$.result' FROM json_each($1)
)
UPDATE tranq_jobs
SET state = 'completed',
    finished_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER),
    result = (SELECT c.result FROM c WHERE c.id = tranq_jobs.id),
    attempted_at = COALESCE(attempted_at, CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    lease_owner = NULL, lease_expires_at = NULL
WHERE state = 'running'
  AND (id, lease_token) IN (SELECT id, token FROM c)
RETURNING id

-- name: job_complete_delete_many
-- Same input as job_complete_many; the row of a completed job is deleted at once.
DELETE FROM tranq_jobs
WHERE state = 'running'
  AND (id, lease_token) IN (SELECT c.value ->> '$.id', c.value ->> '$.token' FROM json_each($1) AS c)
RETURNING id

-- name: job_fail
-- $1 id, $2 token, $3 next state, $4 delay ms, $5 attempts given back, $6 error or NULL.
UPDATE tranq_jobs
SET state = $3,
    run_at = CASE WHEN $3 IN ('available', 'retryable')
                  THEN CAST(unixepoch('subsec') * 1000000 AS INTEGER) + $4 * 1000 ELSE run_at END,
    attempt = attempt - $5,
    -- errors is plain text in SQLite: one edited into something other than a JSON array is
    -- started afresh rather than failing every write to the row.
    errors = CASE WHEN $6 IS NULL THEN errors
                  ELSE json_insert(CASE WHEN json_valid(errors) = 0 THEN '[]'
                                        WHEN json_type(errors) <> 'array' THEN '[]'
                                        ELSE errors END,
                      '$[#]', json_object(
                      'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'message', $6)) END,
    finished_at = CASE WHEN $3 IN ('discarded', 'cancelled', 'completed')
                       THEN CAST(unixepoch('subsec') * 1000000 AS INTEGER) END,
    lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_token = $2 AND state = 'running'
RETURNING id

-- name: job_release_many
UPDATE tranq_jobs
SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'available' END,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL
                       THEN CAST(unixepoch('subsec') * 1000000 AS INTEGER) END,
    attempt = max(attempt - 1, 0),
    lease_owner = NULL, lease_expires_at = NULL
WHERE state = 'running'
  AND (id, lease_token) IN (SELECT value ->> '$.id', value ->> '$.token' FROM json_each($1))
RETURNING id

-- name: job_heartbeat_many
UPDATE tranq_jobs
SET lease_expires_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER) + $2 * 1000
WHERE state = 'running'
  AND (id, lease_token) IN (SELECT value ->> '$.id', value ->> '$.token' FROM json_each($1))
RETURNING id

-- name: job_mark_started
-- $1: [{"id", "token"}] of attempts whose handler starts; nothing is read back.
UPDATE tranq_jobs
SET attempted_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE state = 'running'
  AND (id, lease_token) IN (SELECT value ->> '$.id', value ->> '$.token' FROM json_each($1))

-- name: job_rescue_expired
-- An attempt whose start was never recorded (claimed ahead, then the worker died) is given back
-- and the job keeps its place (its next claim's handler waits until its start is recorded; see
-- job_claim's `given_back`); one that started counts: retried after 2^(attempt-1) s
-- (at most an hour), or discarded when attempts are used up. A running row without a lease
-- expiry (impossible unless edited by hand) counts as expired, and an errors column edited into
-- something other than a JSON array is started afresh. A job asked to cancel ends cancelled.
-- SQLite evaluates every assignment on the row as it was.
UPDATE tranq_jobs
SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
                 WHEN NOT (attempted_at IS NULL) AND attempt >= max_attempts THEN 'discarded'
                 ELSE 'retryable' END,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL
                            OR (NOT (attempted_at IS NULL) AND attempt >= max_attempts)
                       THEN CAST(unixepoch('subsec') * 1000000 AS INTEGER) END,
    run_at = CASE WHEN attempted_at IS NULL THEN run_at
                  ELSE CAST(unixepoch('subsec') * 1000000 AS INTEGER)
                       + min(1 << min(max(attempt - 1, 0), 12), 3600) * 1000000 END,
    errors = json_insert(CASE WHEN json_valid(errors) = 0 THEN '[]' WHEN json_type(errors) <> 'array' THEN '[]' ELSE errors END,
        '$[#]', json_object(
        'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
        'message', CASE WHEN attempted_at IS NULL THEN 'lease expired before the attempt started (its worker stopped with the job claimed ahead); the attempt is given back'
                        WHEN lease_expires_at IS NULL THEN 'lease expired: the job was running without a lease expiry (a row edited by hand?)'
                        ELSE 'lease expired: the worker running this attempt stopped (crash or lost connection)' END)),
    attempt = CASE WHEN attempted_at IS NULL THEN max(attempt - 1, 0) ELSE attempt END,
    lease_owner = NULL, lease_expires_at = NULL
WHERE id IN (
    SELECT id FROM tranq_jobs
    WHERE state = 'running'
      AND (lease_expires_at < CAST(unixepoch('subsec') * 1000000 AS INTEGER)
           OR lease_expires_at IS NULL)
    ORDER BY lease_expires_at
    LIMIT $1
)
RETURNING id

-- name: job_unknown_tasks
SELECT task, count(*) AS count
FROM tranq_jobs
WHERE state IN ('available', 'retryable')
  AND queue IN (SELECT value FROM json_each($1))
  AND task NOT IN (SELECT value FROM json_each($2))
GROUP BY task
ORDER BY task

-- name: job_due_probe
-- $1 queue. Whether the queue has a job due now: one read through the claim's index, which
-- takes no write lock (a claim would wait for the enqueuer's open transaction); idle workers ask
-- it at short intervals after a local enqueue (local_wake.rs).
SELECT id FROM tranq_jobs
WHERE state IN ('available', 'retryable')
  AND queue = $1
  AND run_at <= CAST(unixepoch('subsec') * 1000000 AS INTEGER)
LIMIT 1

-- name: job_get
SELECT id, queue, task, args, state, priority, attempt, max_attempts, errors, tags, result,
       run_at AS run_at_us
FROM tranq_jobs
WHERE id = $1

-- name: job_list
-- One page of jobs, oldest first, after the cursor id $4; $1..$3 filter when not NULL.
SELECT id, queue, task, args, state, priority, attempt, max_attempts, errors, tags, result,
       run_at AS run_at_us
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
SET state = 'cancelled', finished_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE id = $1 AND state IN ('available', 'retryable')

-- name: job_discard_waiting
UPDATE tranq_jobs
SET state = 'discarded', finished_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE id = $1 AND state IN ('available', 'retryable')

-- name: job_queue_lock_insert
-- A write first, so that the claim's transaction holds SQLite's write lock before it counts:
-- claims of queue $1 under a global concurrency limit then run one after another.
INSERT INTO tranq_queue_locks (queue) VALUES ($1) ON CONFLICT DO NOTHING

-- name: job_running_count
-- The running jobs of queue $1 (claimed ahead ones included), under the write lock.
SELECT $1 AS task, count(*) AS count
FROM tranq_jobs WHERE queue = $1 AND state = 'running'

-- name: job_complete_in_txn
-- $1 id, $2 lease token: `ctx.complete_in(conn)`, inside the handler's own transaction. Only
-- the attempt holding the current token may complete; no row changed means its lease was lost.
UPDATE tranq_jobs
SET state = 'completed', finished_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER),
    lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_token = $2 AND state = 'running'

-- name: job_cancel_running
-- Asks the worker running job $1 to stop: its next heartbeat calls the attempt off, and the job
-- ends cancelled rather than retried.
UPDATE tranq_jobs SET cancel_requested_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE id = $1 AND state = 'running'

-- name: job_cancel_requested
-- Of the running jobs $1 (JSON array of ids), those asked to cancel.
SELECT id FROM tranq_jobs
WHERE id IN (SELECT value FROM json_each($1))
  AND state = 'running' AND cancel_requested_at IS NOT NULL

-- name: job_retry_now
-- Runnable at once, its attempts kept; one more allowed when they are all used up.
UPDATE tranq_jobs
SET state = 'available', run_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER),
    finished_at = NULL, cancel_requested_at = NULL, max_attempts = MAX(max_attempts, attempt + 1)
WHERE id = $1 AND state IN ('retryable', 'discarded', 'cancelled')

-- name: job_running_by_key
-- The running jobs of queue $1 per concurrency key (metadata.concurrency_key), under the write
-- lock; jobs without a key are not counted.
SELECT key AS task, count(*) AS count
FROM (SELECT CASE WHEN json_valid(metadata) THEN metadata ->> '$.concurrency_key' END AS key
      FROM tranq_jobs WHERE queue = $1 AND state = 'running')
WHERE key IS NOT NULL
GROUP BY key

-- name: job_claim_keyed_candidates
-- $1 queue, $2 task names (JSON array), $3 keys at their limit (JSON array), $4 how many. The
-- runnable jobs a claim under a per-key limit chooses from, in claim order, leaving out the
-- keys that already have their limit running.
SELECT id, concurrency_key
FROM (SELECT id, priority, run_at,
             CASE WHEN json_valid(metadata) THEN metadata ->> '$.concurrency_key' END
                 AS concurrency_key
      FROM tranq_jobs
      WHERE state IN ('available', 'retryable')
        AND queue = $1
        AND run_at <= CAST(unixepoch('subsec') * 1000000 AS INTEGER)
        AND task IN (SELECT value FROM json_each($2)))
WHERE concurrency_key IS NULL OR concurrency_key NOT IN (SELECT value FROM json_each($3))
ORDER BY priority, run_at, id
LIMIT $4

-- name: job_claim_ids
-- $1 ids (JSON array), $2 worker id, $3 lease in ms, $4 1: only if due, 0: due or not. Claims
-- these jobs, those still available or retryable: the ones a claim under a per-key limit chose
-- (due), or the one tranq::testing's run_job runs now (due or not); otherwise as job_claim.
UPDATE tranq_jobs
SET state = 'running',
    attempt = attempt + 1,
    attempted_at = NULL,
    lease_owner = $2,
    lease_token = max(lease_token + 1, CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    lease_expires_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER) + $3 * 1000
WHERE id IN (SELECT value FROM json_each($1))
  AND state IN ('available', 'retryable')
  AND ($4 = 0 OR run_at <= CAST(unixepoch('subsec') * 1000000 AS INTEGER))
RETURNING id, task, queue, args, attempt, CAST(max_attempts AS INTEGER) AS max_attempts,
          lease_token, CAST(priority AS INTEGER) AS priority,
          CAST(json_array_length(CASE WHEN json_valid(errors) = 0 THEN '[]'
                                      WHEN json_type(errors) <> 'array' THEN '[]'
                                      ELSE errors END) >= attempt AS INTEGER) AS given_back,
          max(CAST(unixepoch('subsec') * 1000000 AS INTEGER) - CAST(run_at AS INTEGER), 0)
              AS pickup_us,
          CASE WHEN json_valid(metadata) THEN metadata -> '$.trace' END AS trace

-- name: job_rate_started
-- $1 queue, $2 the rate limit's period in ms: how many jobs of the queue were claimed in the
-- last period (tranq_queue_starts), under the write lock.
SELECT $1 AS task, CAST(COALESCE(sum(jobs), 0) AS INTEGER) AS count
FROM tranq_queue_starts
WHERE queue = $1 AND started_at > CAST(unixepoch('subsec') * 1000000 AS INTEGER) - $2 * 1000

-- name: job_rate_record
-- $1 queue, $2 how many jobs a claim under a rate limit took, now.
INSERT INTO tranq_queue_starts (queue, started_at, jobs)
VALUES ($1, CAST(unixepoch('subsec') * 1000000 AS INTEGER), $2)

-- name: job_rate_prune
-- $1 queue, $2 period in ms: the starts that no window counts any more.
DELETE FROM tranq_queue_starts
WHERE queue = $1 AND started_at <= CAST(unixepoch('subsec') * 1000000 AS INTEGER) - $2 * 1000
