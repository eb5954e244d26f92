-- name: queue_stats
-- The operator's view of each queue (`tranq queues`, `tranq stats`): jobs by state, how many
-- available jobs wait for a later run_at, the age in microseconds of the oldest job due now (-1
-- when none is due) and the jobs finished in the last minute. Reads every row: for people and
-- dashboards, never for the worker's hot path. Times are UTC DATETIME(6).
SELECT queue,
       CAST(SUM(CASE WHEN state = 'available' THEN 1 ELSE 0 END) AS SIGNED) AS available,
       CAST(SUM(CASE WHEN state = 'available' AND run_at > UTC_TIMESTAMP(6) THEN 1 ELSE 0 END)
            AS SIGNED) AS scheduled,
       CAST(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END) AS SIGNED) AS running,
       CAST(SUM(CASE WHEN state = 'retryable' THEN 1 ELSE 0 END) AS SIGNED) AS retryable,
       CAST(SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END) AS SIGNED) AS completed,
       CAST(SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END) AS SIGNED) AS discarded,
       CAST(SUM(CASE WHEN state = 'cancelled' THEN 1 ELSE 0 END) AS SIGNED) AS cancelled,
       CAST(COALESCE(TIMESTAMPDIFF(MICROSECOND,
           MIN(CASE WHEN state IN ('available', 'retryable') AND run_at <= UTC_TIMESTAMP(6)
                    THEN run_at END),
           UTC_TIMESTAMP(6)), -1) AS SIGNED) AS oldest_due_us,
       CAST(SUM(CASE WHEN finished_at > UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE THEN 1 ELSE 0 END)
            AS SIGNED) AS finished_last_minute
FROM tranq_jobs
GROUP BY queue
ORDER BY queue

-- name: job_get_times
-- $1 job id. The times of one job in microseconds since 1970 (-1 for NULL), and its lease owner.
SELECT CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) AS SIGNED)
           AS created_at_us,
       CAST(COALESCE(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', attempted_at), -1)
           AS SIGNED) AS attempted_at_us,
       CAST(COALESCE(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', finished_at), -1)
           AS SIGNED) AS finished_at_us,
       CAST(COALESCE(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', lease_expires_at), -1)
           AS SIGNED) AS lease_expires_at_us,
       lease_owner
FROM tranq_jobs
WHERE id = $1

-- name: job_failure_groups
-- The dashboard's failures: retryable and discarded jobs grouped by task and the message of their
-- latest error ('' when none was recorded, as for a job discarded by hand), the largest group
-- first; $1 at most this many groups.
SELECT task,
       COALESCE(CASE WHEN JSON_LENGTH(errors) > 0 THEN JSON_UNQUOTE(JSON_EXTRACT(errors,
           CONCAT('$[', JSON_LENGTH(errors) - 1, '].message'))) END, '') AS message,
       CAST(SUM(CASE WHEN state = 'retryable' THEN 1 ELSE 0 END) AS SIGNED) AS retryable,
       CAST(SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END) AS SIGNED) AS discarded,
       CAST(MAX(id) AS SIGNED) AS latest_id
FROM tranq_jobs
WHERE state IN ('retryable', 'discarded')
GROUP BY task, message
ORDER BY COUNT(*) DESC, MAX(id) DESC
LIMIT $1

-- name: job_throughput
-- The dashboard's throughput chart: jobs that became completed, discarded or cancelled in the
-- last $1 microseconds, counted per bucket of $2 microseconds; start_us is the bucket's start in
-- microseconds since 1970. Buckets with no finished job are absent.
SELECT CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', finished_at) DIV $2 * $2 AS SIGNED)
           AS start_us,
       CAST(SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END) AS SIGNED) AS completed,
       CAST(SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END) AS SIGNED) AS discarded,
       CAST(SUM(CASE WHEN state = 'cancelled' THEN 1 ELSE 0 END) AS SIGNED) AS cancelled
FROM tranq_jobs
WHERE state IN ('completed', 'discarded', 'cancelled')
  AND finished_at > UTC_TIMESTAMP(6) - INTERVAL $1 MICROSECOND
GROUP BY start_us
ORDER BY start_us
