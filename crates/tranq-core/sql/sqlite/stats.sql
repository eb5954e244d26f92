-- name: queue_stats
-- The operator's view of each queue (`tranq queues`, `tranq stats`): jobs by state, how many
-- available jobs wait for a later run_at, the age in microseconds of the oldest job due now (-1
-- when none is due) and the jobs finished in the last minute. Reads every row: for people and
-- dashboards, never for the worker's hot path. Times are integer microseconds since 1970.
WITH clock AS (SELECT CAST(unixepoch('subsec') * 1000000 AS INTEGER) AS now_us)
SELECT queue,
       SUM(CASE WHEN state = 'available' THEN 1 ELSE 0 END) AS available,
       SUM(CASE WHEN state = 'available' AND run_at > now_us THEN 1 ELSE 0 END) AS scheduled,
       SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END) AS running,
       SUM(CASE WHEN state = 'retryable' THEN 1 ELSE 0 END) AS retryable,
       SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END) AS completed,
       SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END) AS discarded,
       SUM(CASE WHEN state = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
       COALESCE(now_us - MIN(CASE WHEN state IN ('available', 'retryable') AND run_at <= now_us
                                  THEN run_at END), -1) AS oldest_due_us,
       SUM(CASE WHEN finished_at > now_us - 60000000 THEN 1 ELSE 0 END) AS finished_last_minute
FROM tranq_jobs, clock
GROUP BY queue
ORDER BY queue

-- name: job_get_times
-- $1 job id. The times of one job in microseconds since 1970 (-1 for NULL), and its lease owner.
SELECT created_at AS created_at_us,
       COALESCE(attempted_at, -1) AS attempted_at_us,
       COALESCE(finished_at, -1) AS finished_at_us,
       COALESCE(lease_expires_at, -1) AS lease_expires_at_us,
       lease_owner
FROM tranq_jobs
WHERE id = $1

-- name: job_failure_groups
-- The dashboard's failures: retryable and discarded jobs grouped by task and the message of their
-- latest error ('' when none was recorded, as for a job discarded by hand), the largest group
-- first; $1 at most this many groups.
SELECT task,
       COALESCE(json_extract(errors, '$[#-1].message'), '') AS message,
       SUM(CASE WHEN state = 'retryable' THEN 1 ELSE 0 END) AS retryable,
       SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END) AS discarded,
       MAX(id) AS latest_id
FROM tranq_jobs
WHERE state IN ('retryable', 'discarded')
GROUP BY task, message
ORDER BY COUNT(*) DESC, MAX(id) DESC
LIMIT $1

-- name: job_throughput
-- The dashboard's throughput chart: jobs that became completed, discarded or cancelled in the
-- last $1 microseconds, counted per bucket of $2 microseconds; start_us is the bucket's start in
-- microseconds since 1970. Buckets with no finished job are absent.
WITH clock AS (SELECT CAST(unixepoch('subsec') * 1000000 AS INTEGER) AS now_us)
SELECT (finished_at / $2) * $2 AS start_us,
       SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END) AS completed,
       SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END) AS discarded,
       SUM(CASE WHEN state = 'cancelled' THEN 1 ELSE 0 END) AS cancelled
FROM tranq_jobs, clock
WHERE state IN ('completed', 'discarded', 'cancelled')
  AND finished_at > now_us - $1
GROUP BY start_us
ORDER BY start_us
