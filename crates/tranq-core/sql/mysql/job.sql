-- MariaDB 10.6+ / MySQL 8: times are UTC DATETIME(6). MySQL has no UPDATE ... RETURNING, so an
-- update that reports its rows is three queries in one short transaction, run by the store:
-- `<name>_select` locks the ids (same parameters), `<name>` updates them (the ids arrive as one
-- more parameter, a JSON array), and `<name>_fetch` (when the rows are wanted) reads them back.

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

-- name: job_claim_select
-- $1 queue, $2 task names (JSON array), $3 how many.
SELECT id FROM tranq_jobs
WHERE queue = $1
  AND state IN ('available', 'retryable')
  AND run_at <= UTC_TIMESTAMP(6)
  AND task IN (SELECT t.name FROM JSON_TABLE($2, '$[*]' COLUMNS (name VARCHAR(255) PATH '$')) AS t)
ORDER BY priority, run_at, id
LIMIT $3
FOR UPDATE SKIP LOCKED

-- name: job_claim
-- $4 worker id, $5 lease in ms, $6 the ids locked by job_claim_select.
UPDATE tranq_jobs
SET state = 'running',
    attempt = attempt + 1,
    attempted_at = UTC_TIMESTAMP(6),
    lease_owner = $4,
    lease_token = lease_token + 1,
    lease_expires_at = TIMESTAMPADD(MICROSECOND, $5 * 1000, UTC_TIMESTAMP(6))
WHERE id IN (SELECT c.id FROM JSON_TABLE($6, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c)

-- name: job_claim_fetch
SELECT id, task, queue, args, CAST(attempt AS SIGNED) AS attempt,
       CAST(max_attempts AS SIGNED) AS max_attempts, lease_token,
       CAST(priority AS SIGNED) AS priority
FROM tranq_jobs
WHERE id IN (SELECT c.id FROM JSON_TABLE($6, '$[*]' COLUMNS (id BIGINT PATH '$')) AS c)

-- name: job_complete_many_select
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
SET j.state = 'completed', j.finished_at = UTC_TIMESTAMP(6), j.result = c.result,
    j.lease_owner = NULL, j.lease_expires_at = NULL
WHERE j.id IN (SELECT l.id FROM JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l)

-- name: job_complete_delete_many_select
SELECT j.id FROM tranq_jobs AS j
JOIN JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token')) AS c
  ON j.id = c.id AND j.lease_token = c.token
WHERE j.state = 'running'
FOR UPDATE

-- name: job_complete_delete_many
-- Same input as job_complete_many; the row of a completed job is deleted at once.
DELETE FROM tranq_jobs
WHERE id IN (SELECT l.id FROM JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l)

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

-- name: job_release_many_select
SELECT j.id FROM tranq_jobs AS j
JOIN JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token')) AS c
  ON j.id = c.id AND j.lease_token = c.token
WHERE j.state = 'running'
FOR UPDATE

-- name: job_release_many
UPDATE tranq_jobs
SET state = 'available', attempt = GREATEST(attempt - 1, 0),
    lease_owner = NULL, lease_expires_at = NULL
WHERE id IN (SELECT l.id FROM JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l)

-- name: job_heartbeat_many_select
SELECT j.id FROM tranq_jobs AS j
JOIN JSON_TABLE($1, '$[*]' COLUMNS (id BIGINT PATH '$.id', token BIGINT PATH '$.token')) AS c
  ON j.id = c.id AND j.lease_token = c.token
WHERE j.state = 'running'
FOR UPDATE

-- name: job_heartbeat_many
-- $2 lease in ms, $3 the ids locked by job_heartbeat_many_select.
UPDATE tranq_jobs
SET lease_expires_at = TIMESTAMPADD(MICROSECOND, $2 * 1000, UTC_TIMESTAMP(6))
WHERE id IN (SELECT l.id FROM JSON_TABLE($3, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l)

-- name: job_rescue_expired_select
SELECT id FROM tranq_jobs
WHERE state = 'running' AND lease_expires_at < UTC_TIMESTAMP(6)
ORDER BY lease_expires_at
LIMIT $1
FOR UPDATE SKIP LOCKED

-- name: job_rescue_expired
-- $2 the ids locked by job_rescue_expired_select.
UPDATE tranq_jobs
SET errors = JSON_ARRAY_APPEND(errors, '$', JSON_OBJECT(
        'attempt', attempt,
        'at', DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'),
        'message', 'lease expired: the worker running this attempt stopped (crash or lost connection)')),
    finished_at = CASE WHEN attempt >= max_attempts THEN UTC_TIMESTAMP(6) END,
    state = CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'retryable' END,
    lease_owner = NULL, lease_expires_at = NULL
WHERE id IN (SELECT l.id FROM JSON_TABLE($2, '$[*]' COLUMNS (id BIGINT PATH '$')) AS l)

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
