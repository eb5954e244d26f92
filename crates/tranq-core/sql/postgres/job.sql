-- name: job_insert
-- One statement for one job or many: rows arrive as one JSON array (arguments that are JSON
-- `null`, say a task taking `()`, come out of jsonb_to_recordset as SQL NULL: stored as `null`). Queues with a job that is
-- runnable now are notified; Postgres delivers the notification on commit, never on rollback.
WITH ins AS (
    INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags, metadata)
    SELECT x.queue, x.task, COALESCE(x.args, 'null'::jsonb), COALESCE(x.priority, 0),
           CASE WHEN x.run_at_us IS NOT NULL THEN to_timestamp(x.run_at_us / 1000000.0)
                ELSE now() + COALESCE(x.delay_us, 0) * interval '1 microsecond' END,
           x.max_attempts, COALESCE(x.tags, '[]'::jsonb), COALESCE(x.metadata, '{}'::jsonb)
    FROM jsonb_to_recordset($1::jsonb) AS x(queue text, task text, args jsonb, priority smallint,
         run_at_us bigint, delay_us bigint, max_attempts integer, tags jsonb, metadata jsonb)
    RETURNING id, queue, run_at
), woken AS (
    SELECT pg_notify('tranq_jobs', q.queue)
    FROM (SELECT DISTINCT queue FROM ins WHERE run_at <= now()) AS q
)
SELECT id FROM ins WHERE (SELECT count(*) FROM woken) >= 0 ORDER BY id

-- name: job_insert_unique
-- job_insert for a batch with unique keys ($1, no key twice in it), $2 the statement's insert
-- mark. A job whose (task, unique_key) is held by a job in that job's `unique_states` is not
-- inserted: ON CONFLICT locks the holder and returns it (waiting for a holder still being
-- inserted by another transaction, and inserting after all if that one rolls back). Rows this
-- statement inserted carry the mark as their lease_token (negative: a claim replaces it with a
-- positive token), so the caller tells inserted from duplicate rows by it.
WITH ins AS (
    INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags,
                            unique_key, unique_states, lease_token, metadata)
    SELECT x.queue, x.task, COALESCE(x.args, 'null'::jsonb), COALESCE(x.priority, 0),
           CASE WHEN x.run_at_us IS NOT NULL THEN to_timestamp(x.run_at_us / 1000000.0)
                ELSE now() + COALESCE(x.delay_us, 0) * interval '1 microsecond' END,
           x.max_attempts, COALESCE(x.tags, '[]'::jsonb), x.unique_key, x.unique_states, $2::bigint,
           COALESCE(x.metadata, '{}'::jsonb)
    FROM jsonb_to_recordset($1::jsonb) AS x(queue text, task text, args jsonb, priority smallint,
         run_at_us bigint, delay_us bigint, max_attempts integer, tags jsonb, unique_key text,
         unique_states smallint, metadata jsonb)
    ON CONFLICT (task, unique_key)
        WHERE unique_key IS NOT NULL
          AND (unique_states & CASE state WHEN 'available' THEN 1 WHEN 'running' THEN 2
                                          WHEN 'retryable' THEN 4 WHEN 'completed' THEN 8
                                          WHEN 'discarded' THEN 16 ELSE 32 END) <> 0
    DO UPDATE SET unique_key = EXCLUDED.unique_key
    RETURNING id, task, unique_key, lease_token, queue, run_at
), woken AS (
    SELECT pg_notify('tranq_jobs', q.queue)
    FROM (SELECT DISTINCT queue FROM ins WHERE run_at <= now() AND lease_token = $2::bigint) AS q
)
SELECT id, task, unique_key, lease_token FROM ins WHERE (SELECT count(*) FROM woken) >= 0

-- name: job_claim
-- $1 queue, $2 task names (text[] literal), $3 how many, $4 worker id, $5 lease in ms.
-- Also returns how long each job was due before this claim (`pickup_us`, for the pickup
-- metric) and the enqueuing span (`trace`, from metadata; see trace_link.rs).
-- The attempt is counted here, but `attempted_at` stays NULL until the handler starts
-- (job_mark_started): the rescuer gives the attempt back to a job whose worker died before
-- starting it. The lease token grows, and comes from the clock (in microseconds), so that a claim
-- lost in a server crash (relaxed_commit) is never followed by a claim with the same token.
WITH picked AS MATERIALIZED (
    SELECT id FROM tranq_jobs
    WHERE state IN ('available', 'retryable')
      AND queue = $1::text
      AND run_at <= now()
      AND task = ANY($2::text[])
    ORDER BY priority, run_at, id
    LIMIT $3::bigint
    FOR UPDATE SKIP LOCKED
)
UPDATE tranq_jobs j
SET state = 'running',
    attempt = j.attempt + 1,
    attempted_at = NULL,
    lease_owner = $4::text,
    lease_token = GREATEST(j.lease_token + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint),
    lease_expires_at = now() + $5::bigint * interval '1 millisecond'
FROM picked
WHERE j.id = picked.id
RETURNING j.id, j.task, j.queue, j.args::text AS args, j.attempt::bigint AS attempt,
          j.max_attempts::bigint AS max_attempts, j.lease_token, j.priority::bigint AS priority,
          (jsonb_array_length(j.errors) >= j.attempt)::int::bigint AS given_back,
          (extract(epoch FROM now() - j.run_at) * 1000000)::bigint AS pickup_us,
          (j.metadata -> 'trace')::text AS trace

-- name: job_claim_relaxed
-- job_claim for a store built with `relaxed_commit(true)`: the claim commits without waiting for
-- the WAL flush (synchronous_commit off for this one transaction).
WITH relaxed AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS setting
), picked AS MATERIALIZED (
    SELECT id FROM tranq_jobs
    WHERE state IN ('available', 'retryable')
      AND queue = $1::text
      AND run_at <= now()
      AND task = ANY($2::text[])
      AND EXISTS (SELECT 1 FROM relaxed)
    ORDER BY priority, run_at, id
    LIMIT $3::bigint
    FOR UPDATE SKIP LOCKED
)
UPDATE tranq_jobs j
SET state = 'running',
    attempt = j.attempt + 1,
    attempted_at = NULL,
    lease_owner = $4::text,
    lease_token = GREATEST(j.lease_token + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint),
    lease_expires_at = now() + $5::bigint * interval '1 millisecond'
FROM picked
WHERE j.id = picked.id
RETURNING j.id, j.task, j.queue, j.args::text AS args, j.attempt::bigint AS attempt,
          j.max_attempts::bigint AS max_attempts, j.lease_token, j.priority::bigint AS priority,
          (jsonb_array_length(j.errors) >= j.attempt)::int::bigint AS given_back,
          (extract(epoch FROM now() - j.run_at) * 1000000)::bigint AS pickup_us,
          (j.metadata -> 'trace')::text AS trace

-- name: job_complete_many
-- $1: [{"id", "token", "result"}]. Only the claim holding the current token may complete.
-- Every batch write first locks its rows one by one through the primary key, in the order of its
-- input (`locked`; the store sends ids in ascending order), so that two batches over the same
-- rows (a heartbeat and a completion) cannot deadlock; then updates exactly those rows. The
-- lease is checked on the locked row, after the lock (`LIMIT 1` keeps the planner from pushing
-- the check inside): with it inside, the planner may walk the partial index of running rows once
-- per input row instead of looking the id up in the primary key.
WITH c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint, result jsonb)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
)
UPDATE tranq_jobs j
SET state = 'completed', finished_at = now(), result = c.result,
    attempted_at = COALESCE(j.attempted_at, now()),
    lease_owner = NULL, lease_expires_at = NULL
FROM c
WHERE j.id = ANY (ARRAY(SELECT id FROM locked)) AND c.id = j.id
RETURNING j.id

-- name: job_complete_many_relaxed
-- job_complete_many, committed without waiting for the WAL flush (`relaxed_commit(true)`).
WITH relaxed AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS setting
), c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint, result jsonb)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id AND EXISTS (SELECT 1 FROM relaxed)
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
)
UPDATE tranq_jobs j
SET state = 'completed', finished_at = now(), result = c.result,
    attempted_at = COALESCE(j.attempted_at, now()),
    lease_owner = NULL, lease_expires_at = NULL
FROM c
WHERE j.id = ANY (ARRAY(SELECT id FROM locked)) AND c.id = j.id
RETURNING j.id

-- name: job_complete_delete_many
-- Same input as job_complete_many; for workers built with `delete_completed(true)`: the row of
-- a completed job is deleted at once instead of kept (the result is dropped with it).
WITH c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
)
DELETE FROM tranq_jobs j
WHERE j.id = ANY (ARRAY(SELECT id FROM locked))
RETURNING j.id

-- name: job_complete_delete_many_relaxed
-- job_complete_delete_many, committed without waiting for the WAL flush (`relaxed_commit(true)`).
WITH relaxed AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS setting
), c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id AND EXISTS (SELECT 1 FROM relaxed)
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
)
DELETE FROM tranq_jobs j
WHERE j.id = ANY (ARRAY(SELECT id FROM locked))
RETURNING j.id

-- name: job_fail
-- $1 id, $2 token, $3 next state, $4 delay ms before the next run, $5 attempts given back
-- (1 for a snooze), $6 error message or NULL.
UPDATE tranq_jobs
SET state = $3::text,
    run_at = CASE WHEN $3::text IN ('available', 'retryable')
                  THEN now() + $4::bigint * interval '1 millisecond' ELSE run_at END,
    attempt = attempt - $5::integer,
    errors = CASE WHEN $6::text IS NULL THEN errors
                  ELSE errors || jsonb_build_array(jsonb_build_object(
                      'attempt', attempt, 'at', now(), 'message', $6::text)) END,
    finished_at = CASE WHEN $3::text IN ('discarded', 'cancelled', 'completed') THEN now() END,
    lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1::bigint AND lease_token = $2::bigint AND state = 'running'
RETURNING id

-- name: job_release_many
-- Graceful shutdown: jobs that did not finish go back at once, the attempt given back (a job
-- asked to cancel ends cancelled).
WITH c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
), released AS (
    UPDATE tranq_jobs j
    SET state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'available' END,
        finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL THEN now() END,
        attempt = GREATEST(j.attempt - 1, 0),
        lease_owner = NULL, lease_expires_at = NULL
    WHERE j.id = ANY (ARRAY(SELECT id FROM locked))
    RETURNING j.id, j.queue
), woken AS (
    SELECT pg_notify('tranq_jobs', q.queue) FROM (SELECT DISTINCT queue FROM released) AS q
)
SELECT id FROM released WHERE (SELECT count(*) FROM woken) >= 0

-- name: job_heartbeat_many
-- $1: [{"id", "token"}], $2 lease in ms.
WITH c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
)
UPDATE tranq_jobs j
SET lease_expires_at = now() + $2::bigint * interval '1 millisecond'
WHERE j.id = ANY (ARRAY(SELECT id FROM locked))
RETURNING j.id

-- name: job_mark_started
-- $1: [{"id", "token"}] of attempts whose handler starts; nothing is read back. Committed without waiting for the
-- WAL flush: a mark lost in a server crash only means the rescuer gives that attempt back.
WITH relaxed AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS setting
), c AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id bigint, token bigint)
), locked AS MATERIALIZED (
    SELECT l.id FROM c CROSS JOIN LATERAL (
        SELECT j.id, j.lease_token, j.state FROM tranq_jobs j
        WHERE j.id = c.id AND EXISTS (SELECT 1 FROM relaxed)
        LIMIT 1
        FOR UPDATE
    ) AS l
    WHERE l.lease_token = c.token AND l.state = 'running'
)
UPDATE tranq_jobs j
SET attempted_at = now()
WHERE j.id = ANY (ARRAY(SELECT id FROM locked))

-- name: job_rescue_expired
-- Jobs whose worker stopped heartbeating. An attempt whose start was never recorded (claimed
-- ahead into a prefetch buffer, then the worker died) is given back, and the job keeps its place
-- in the queue (`run_at` unchanged). Its next claim says so (`given_back` in job_claim), and that
-- attempt's handler waits until its start is recorded, so a job that crashes its worker the
-- moment it starts still uses up its attempts. Otherwise the attempt counts: the job is retried
-- after 2^(attempt-1) s (at most an hour), or discarded when attempts are used up. A running row without a lease
-- expiry (impossible unless edited by hand) counts as expired. A job asked to cancel ends
-- cancelled.
WITH expired AS MATERIALIZED (
    SELECT id, attempted_at IS NULL AS given_back
    FROM tranq_jobs
    WHERE state = 'running' AND (lease_expires_at < now() OR lease_expires_at IS NULL)
    ORDER BY lease_expires_at
    LIMIT $1::bigint
    FOR UPDATE SKIP LOCKED
)
UPDATE tranq_jobs j
SET state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
                 WHEN NOT e.given_back AND j.attempt >= j.max_attempts THEN 'discarded'
                 ELSE 'retryable' END,
    finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL THEN now()
                       WHEN NOT e.given_back AND j.attempt >= j.max_attempts THEN now() END,
    run_at = CASE WHEN e.given_back THEN j.run_at
                  ELSE now() + LEAST(1::bigint << LEAST(GREATEST(j.attempt - 1, 0), 12), 3600)
                                * interval '1 second' END,
    errors = j.errors || jsonb_build_array(jsonb_build_object(
        'attempt', j.attempt, 'at', now(),
        'message', CASE WHEN e.given_back THEN 'lease expired before the attempt started (its worker stopped with the job claimed ahead); the attempt is given back'
                        WHEN j.lease_expires_at IS NULL THEN 'lease expired: the job was running without a lease expiry (a row edited by hand?)'
                        ELSE 'lease expired: the worker running this attempt stopped (crash or lost connection)' END)),
    attempt = CASE WHEN e.given_back THEN GREATEST(j.attempt - 1, 0) ELSE j.attempt END,
    lease_owner = NULL, lease_expires_at = NULL
FROM expired e
WHERE j.id = e.id
RETURNING j.id

-- name: job_unknown_tasks
-- Runnable jobs in the worker's queues whose task this binary does not know.
SELECT task, count(*)::bigint AS count
FROM tranq_jobs
WHERE state IN ('available', 'retryable') AND queue = ANY($1::text[]) AND NOT (task = ANY($2::text[]))
GROUP BY task
ORDER BY task

-- name: job_due_probe
-- $1 queue. Whether the queue has a job due now: one read through the claim's index, locking
-- nothing; idle workers ask it at short intervals after a local enqueue (local_wake.rs).
SELECT id FROM tranq_jobs
WHERE state IN ('available', 'retryable')
  AND queue = $1::text
  AND run_at <= now()
LIMIT 1

-- name: job_get
SELECT id, queue, task, args::text AS args, state, priority::bigint AS priority,
       attempt::bigint AS attempt, max_attempts::bigint AS max_attempts, errors::text AS errors,
       tags::text AS tags, result::text AS result,
       (extract(epoch FROM run_at) * 1000000)::bigint AS run_at_us
FROM tranq_jobs
WHERE id = $1::bigint

-- name: job_list
-- One page of jobs, oldest first, after the cursor id $4; $1..$3 filter when not NULL.
SELECT id, queue, task, args::text AS args, state, priority::bigint AS priority,
       attempt::bigint AS attempt, max_attempts::bigint AS max_attempts, errors::text AS errors,
       tags::text AS tags, result::text AS result,
       (extract(epoch FROM run_at) * 1000000)::bigint AS run_at_us
FROM tranq_jobs
WHERE ($1::text IS NULL OR queue = $1::text)
  AND ($2::text IS NULL OR task = $2::text)
  AND ($3::text IS NULL OR state = $3::text)
  AND id > $4::bigint
ORDER BY id
LIMIT $5::bigint

-- name: job_cancel_waiting
-- A job nobody holds ends cancelled; a running one is left alone.
UPDATE tranq_jobs
SET state = 'cancelled', finished_at = now()
WHERE id = $1::bigint AND state IN ('available', 'retryable')

-- name: job_discard_waiting
UPDATE tranq_jobs
SET state = 'discarded', finished_at = now()
WHERE id = $1::bigint AND state IN ('available', 'retryable')

-- name: job_queue_lock_insert
-- The lock row of queue $1, for a claim under a global concurrency limit (see job_queue_lock).
INSERT INTO tranq_queue_locks (queue) VALUES ($1::text) ON CONFLICT DO NOTHING

-- name: job_queue_lock
-- Claims of queue $1 under a global concurrency limit queue up here, each in its transaction;
-- the count and the claim that follow are statements of their own, so they see every claim
-- committed before this one.
SELECT queue FROM tranq_queue_locks WHERE queue = $1::text FOR UPDATE

-- name: job_running_count
-- The running jobs of queue $1 (claimed ahead ones included), under job_queue_lock.
SELECT $1::text AS task, count(*)::bigint AS count
FROM tranq_jobs WHERE queue = $1::text AND state = 'running'

-- name: job_complete_in_txn
-- $1 id, $2 lease token: `ctx.complete_in(conn)`, inside the handler's own transaction. Only
-- the attempt holding the current token may complete; no row changed means its lease was lost.
UPDATE tranq_jobs
SET state = 'completed', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1::bigint AND lease_token = $2::bigint AND state = 'running'

-- name: job_cancel_running
-- Asks the worker running job $1 to stop: its heartbeat (or, here, this notification at once)
-- calls the attempt off, and the job ends cancelled rather than retried.
WITH requested AS (
    UPDATE tranq_jobs SET cancel_requested_at = now()
    WHERE id = $1::bigint AND state = 'running'
    RETURNING id
), woken AS (
    SELECT pg_notify('tranq_jobs', 'cancel:' || id) FROM requested
)
SELECT id FROM requested WHERE (SELECT count(*) FROM woken) >= 0

-- name: job_cancel_requested
-- Of the running jobs $1 (JSON array of ids), those asked to cancel.
SELECT id FROM tranq_jobs
WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))
  AND state = 'running' AND cancel_requested_at IS NOT NULL

-- name: job_retry_now
-- Runnable at once, its attempts kept; one more allowed when they are all used up.
UPDATE tranq_jobs
SET state = 'available', run_at = now(), finished_at = NULL, cancel_requested_at = NULL,
    max_attempts = GREATEST(max_attempts, attempt + 1)
WHERE id = $1::bigint AND state IN ('retryable', 'discarded', 'cancelled')

-- name: job_running_by_key
-- The running jobs of queue $1 per concurrency key (metadata.concurrency_key), under
-- job_queue_lock; jobs without a key are not counted.
SELECT metadata ->> 'concurrency_key' AS task, count(*)::bigint AS count
FROM tranq_jobs
WHERE queue = $1::text AND state = 'running' AND metadata ? 'concurrency_key'
GROUP BY 1

-- name: job_claim_keyed_candidates
-- $1 queue, $2 task names (text[] literal), $3 keys at their limit (JSON array), $4 how many.
-- The runnable jobs a claim under a per-key limit chooses from, in claim order, leaving out the
-- keys that already have their limit running; under job_queue_lock, it locks nothing.
SELECT id, metadata ->> 'concurrency_key' AS concurrency_key
FROM tranq_jobs
WHERE state IN ('available', 'retryable')
  AND queue = $1::text
  AND run_at <= now()
  AND task = ANY($2::text[])
  AND NOT COALESCE(metadata ->> 'concurrency_key' IN (SELECT jsonb_array_elements_text($3::jsonb)), false)
ORDER BY priority, run_at, id
LIMIT $4::bigint

-- name: job_claim_ids
-- $1 ids (JSON array, in id order), $2 worker id, $3 lease in ms, $4 1: only if due, 0: due or
-- not. Claims these jobs, those still available or retryable: the ones a claim under a per-key
-- limit chose (due), or the one tranq::testing's run_job runs now (due or not); otherwise as
-- job_claim.
WITH picked AS MATERIALIZED (
    SELECT id FROM tranq_jobs
    WHERE id IN (SELECT x::bigint FROM jsonb_array_elements_text($1::jsonb) AS x)
      AND state IN ('available', 'retryable')
      AND ($4::bigint = 0 OR run_at <= now())
    ORDER BY id
    FOR UPDATE SKIP LOCKED
)
UPDATE tranq_jobs j
SET state = 'running',
    attempt = j.attempt + 1,
    attempted_at = NULL,
    lease_owner = $2::text,
    lease_token = GREATEST(j.lease_token + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint),
    lease_expires_at = now() + $3::bigint * interval '1 millisecond'
FROM picked
WHERE j.id = picked.id
RETURNING j.id, j.task, j.queue, j.args::text AS args, j.attempt::bigint AS attempt,
          j.max_attempts::bigint AS max_attempts, j.lease_token, j.priority::bigint AS priority,
          (jsonb_array_length(j.errors) >= j.attempt)::int::bigint AS given_back,
          GREATEST((extract(epoch FROM now() - j.run_at) * 1000000)::bigint, 0) AS pickup_us,
          (j.metadata -> 'trace')::text AS trace

-- name: job_rate_started
-- $1 queue, $2 the rate limit's period in ms: how many jobs of the queue were claimed in the
-- last period (tranq_queue_starts), under job_queue_lock. The clock is read now, not at the
-- transaction's start, which may be before the lock was granted.
SELECT $1::text AS task, COALESCE(sum(jobs), 0)::bigint AS count
FROM tranq_queue_starts
WHERE queue = $1::text
  AND started_at > (extract(epoch FROM clock_timestamp()) * 1000000)::bigint - $2::bigint * 1000

-- name: job_rate_record
-- $1 queue, $2 how many jobs a claim under a rate limit took, now.
INSERT INTO tranq_queue_starts (queue, started_at, jobs)
VALUES ($1::text, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, $2::bigint)

-- name: job_rate_prune
-- $1 queue, $2 period in ms: the starts that no window counts any more.
DELETE FROM tranq_queue_starts
WHERE queue = $1::text
  AND started_at <= (extract(epoch FROM clock_timestamp()) * 1000000)::bigint - $2::bigint * 1000
