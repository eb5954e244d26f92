-- name: job_prune_finished
-- Leader-only maintenance of tranq_jobs.
-- $1 retention in ms, $2 most rows. Deletes finished jobs older than the retention, oldest first
-- (the partial index on finished_at serves it).
DELETE FROM tranq_jobs
WHERE id IN (
    SELECT id FROM tranq_jobs
    WHERE finished_at < now() - $1::bigint * interval '1 millisecond'
      AND state IN ('completed', 'discarded', 'cancelled')
    ORDER BY finished_at
    LIMIT $2::bigint
    FOR UPDATE SKIP LOCKED
)
