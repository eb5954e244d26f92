-- MariaDB 10.6+ / MySQL 8: times are UTC DATETIME(6). MySQL has no UPDATE ... RETURNING, so an
-- update that reports its rows is three queries in one short transaction, run by the store:
-- `<name>_select` locks the ids (same parameters), `<name>` updates them (the ids arrive as one
-- more parameter, a JSON array), and `<name>_fetch` (when the rows are wanted) reads them back.
-- Rows are always reached by joining JSON_TABLE to the primary key: an `id IN (subquery)` in an
-- UPDATE is not turned into a join, scans the table and, under REPEATABLE READ, locks every row
-- it reads (deadlocks between claims and completions).

-- name: job_insert
-- MariaDB returns the ids; the JSON array is unpacked by JSON_TABLE.
INSERT INTO tranq_jobs (queue, task, args, priority, run_at, max_attempts, tags)
SELECT x.queue, x.task, x.args, x.priority,
       CASE WHEN x.run_at_us IS NOT NULL
            THEN TIMESTAMPADD(MICROSECOND, x.run_at_us, '1970-01-01 00:00:00')
            ELSE TIMESTAMPADD(MICROSECOND, x.delay_us, UTC_TIMESTAMP(6)) END,
       x.max_attempts, x.tags
FROM JSON_TABLE($1, '$[*]' COLUMNS (
    ord FOR ORDINALITY,
    queue VARCHAR(128) PATH '$.queue',
    task VARCHAR(255) PATH '$.task',
    args JSON PATH '$.args',
    priority SMALLINT PATH '$.priority',
    run_at_us BIGINT PATH '$.run_at_us',
    delay_us BIGINT PATH '$.delay_us',
    max_attempts INT PATH '$.max_attempts',
    tags JSON PATH '$.tags')) AS x
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

-- name: job_claim_select
-- $1 queue, $2 task names (JSON array), $3 how many.
-- `claimable` (1 for available and retryable, else NULL) makes the index walk in claim order,
-- so InnoDB reads and locks only the rows it returns, not every runnable row of the queue.
SELECT id FROM tranq_jobs
WHERE queue = $1
  AND claimable = 1
  AND run_at <= UTC_TIMESTAMP(6)
  AND task IN (SELECT t.name FROM JSON_TABLE($2, '$[*]' COLUMNS (name VARCHAR(255) PATH '$')) AS t)
ORDER BY priority, run_at, id
LIMIT $3
FOR UPDATE SKIP LOCKED

-- name: job_claim
-- $4 worker id, $5 lease in ms, $6 the ids locked by job_claim_select.
UPDATE tranq_jobs AS j
JOIN JSON_TABLE($6, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c ON j.id = c.id
SET j.state = 'running',
    j.attempt = j.attempt + 1,
    j.attempted_at = UTC_TIMESTAMP(6),
    j.lease_owner = $4,
    j.lease_token = j.lease_token + 1,
    j.lease_expires_at = TIMESTAMPADD(MICROSECOND, $5 * 1000, UTC_TIMESTAMP(6))

-- name: job_claim_fetch
SELECT j.id, j.task, j.queue, j.args, CAST(j.attempt AS SIGNED) AS attempt,
       CAST(j.max_attempts AS SIGNED) AS max_attempts, j.lease_token,
       CAST(j.priority AS SIGNED) AS priority
FROM JSON_TABLE($6, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c
JOIN tranq_jobs AS j ON j.id = c.id

-- name: job_complete_many_select, job_complete_delete_many_select, job_release_many_select, job_heartbeat_many_select
-- $1 [{"id", "token", ...}]: the rows still running under the given leases, locked.
SELECT j.id FROM tranq_jobs AS j
JOIN JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token')) AS c
  ON j.id = c.id AND j.lease_token = c.token
WHERE j.state = 'running'
FOR UPDATE

-- name: job_complete_many
-- $1 [{"id", "token", "result"}], $2 the ids locked by job_complete_many_select.
UPDATE tranq_jobs AS j
JOIN JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', result JSON PATH '$.result')) AS c
  ON j.id = c.id
JOIN JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l ON l.id = j.id
SET j.state = 'completed', j.finished_at = UTC_TIMESTAMP(6), j.result = c.result,
    j.lease_owner = NULL, j.lease_expires_at = NULL

-- name: job_complete_delete_many
-- Same input as job_complete_many; the row of a completed job is deleted at once.
DELETE j FROM tranq_jobs AS j
JOIN JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l ON l.id = j.id

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
UPDATE tranq_jobs AS j
JOIN JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l ON l.id = j.id
SET j.state = 'available', j.attempt = GREATEST(j.attempt - 1, 0),
    j.lease_owner = NULL, j.lease_expires_at = NULL

-- name: job_heartbeat_many
-- $2 lease in ms, $3 the ids locked by job_heartbeat_many_select.
UPDATE tranq_jobs AS j
JOIN JSON_TABLE($3, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l ON l.id = j.id
SET j.lease_expires_at = TIMESTAMPADD(MICROSECOND, $2 * 1000, UTC_TIMESTAMP(6))

-- name: job_rescue_expired_select
-- A running row without a lease expiry (impossible unless edited by hand) counts as expired.
SELECT id FROM tranq_jobs
WHERE state = 'running' AND (lease_expires_at < UTC_TIMESTAMP(6) OR lease_expires_at IS NULL)
ORDER BY lease_expires_at
LIMIT $1
FOR UPDATE SKIP LOCKED

-- name: job_rescue_expired
-- $2 the ids locked by job_rescue_expired_select.
UPDATE tranq_jobs AS j
JOIN JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l ON l.id = j.id
SET j.errors = JSON_ARRAY_APPEND(j.errors, '$', JSON_OBJECT(
        'attempt', j.attempt,
        'at', DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'),
        'message', CASE WHEN j.lease_expires_at IS NULL
                        THEN 'lease expired: the job was running without a lease expiry (a row edited by hand?)'
                        ELSE 'lease expired: the worker running this attempt stopped (crash or lost connection)' END)),
    j.finished_at = CASE WHEN j.attempt >= j.max_attempts THEN UTC_TIMESTAMP(6) END,
    j.state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'retryable' END,
    j.lease_owner = NULL, j.lease_expires_at = NULL

-- name: job_unknown_tasks
SELECT task, COUNT(*) AS count
FROM tranq_jobs
WHERE state IN ('available', 'retryable')
  AND queue IN (SELECT q.name FROM JSON_TABLE($1, '$[*]' COLUMNS (name VARCHAR(128) PATH '$')) AS q)
  AND task NOT IN (SELECT t.name FROM JSON_TABLE($2, '$[*]' COLUMNS (name VARCHAR(255) PATH '$')) AS t)
GROUP BY task
ORDER BY task

-- name: job_get
SELECT id, queue, task, args, state, CAST(priority AS SIGNED) AS priority,
       CAST(attempt AS SIGNED) AS attempt, CAST(max_attempts AS SIGNED) AS max_attempts,
       errors, tags, result,
       CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', run_at) AS SIGNED) AS run_at_us
FROM tranq_jobs
WHERE id = $1
