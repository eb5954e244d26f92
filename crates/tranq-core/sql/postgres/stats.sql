-- name: queue_stats
-- The operator's view of each queue (`tranq queues`, `tranq stats`): jobs by state, how many
-- available jobs wait for a later run_at, the age in microseconds of the oldest job due now (-1
-- when none is due) and the jobs finished in the last minute. Reads every row: for people and
-- dashboards, never for the worker's hot path.
SELECT queue,
       count(*) FILTER (WHERE state = 'available')::bigint AS available,
       count(*) FILTER (WHERE state = 'available' AND run_at > now())::bigint AS scheduled,
       count(*) FILTER (WHERE state = 'running')::bigint AS running,
       count(*) FILTER (WHERE state = 'retryable')::bigint AS retryable,
       count(*) FILTER (WHERE state = 'completed')::bigint AS completed,
       count(*) FILTER (WHERE state = 'discarded')::bigint AS discarded,
       count(*) FILTER (WHERE state = 'cancelled')::bigint AS cancelled,
       COALESCE((extract(epoch FROM now() - min(run_at) FILTER (
           WHERE state IN ('available', 'retryable') AND run_at <= now()
       )) * 1000000)::bigint, -1) AS oldest_due_us,
       count(*) FILTER (WHERE finished_at > now() - interval '1 minute')::bigint
           AS finished_last_minute
FROM tranq_jobs
GROUP BY queue
ORDER BY queue

-- name: job_get_times
-- $1 job id. The times of one job in microseconds since 1970 (-1 for NULL), and its lease owner.
SELECT (extract(epoch FROM created_at) * 1000000)::bigint AS created_at_us,
       COALESCE((extract(epoch FROM attempted_at) * 1000000)::bigint, -1) AS attempted_at_us,
       COALESCE((extract(epoch FROM finished_at) * 1000000)::bigint, -1) AS finished_at_us,
       COALESCE((extract(epoch FROM lease_expires_at) * 1000000)::bigint, -1) AS lease_expires_at_us,
       lease_owner
FROM tranq_jobs
WHERE id = $1::bigint

-- name: job_failure_groups
-- The dashboard's failures: retryable and discarded jobs grouped by task and the message of their
-- latest error ('' when none was recorded, as for a job discarded by hand), the largest group
-- first; $1 at most this many groups.
SELECT task,
       COALESCE(errors -> -1 ->> 'message', '') AS message,
       count(*) FILTER (WHERE state = 'retryable')::bigint AS retryable,
       count(*) FILTER (WHERE state = 'discarded')::bigint AS discarded,
       max(id)::bigint AS latest_id
FROM tranq_jobs
WHERE state IN ('retryable', 'discarded')
GROUP BY 1, 2
ORDER BY count(*) DESC, max(id) DESC
LIMIT $1::bigint

-- name: job_throughput
-- The dashboard's throughput chart: jobs that became completed, discarded or cancelled in the
-- last $1 microseconds, counted per bucket of $2 microseconds; start_us is the bucket's start in
-- microseconds since 1970. Buckets with no finished job are absent.
SELECT (floor(extract(epoch FROM finished_at) * 1000000 / $2::bigint) * $2::bigint)::bigint
           AS start_us,
       count(*) FILTER (WHERE state = 'completed')::bigint AS completed,
       count(*) FILTER (WHERE state = 'discarded')::bigint AS discarded,
       count(*) FILTER (WHERE state = 'cancelled')::bigint AS cancelled
FROM tranq_jobs
WHERE state IN ('completed', 'discarded', 'cancelled')
  AND finished_at > now() - ($1::bigint * interval '1 microsecond')
GROUP BY 1
ORDER BY 1
