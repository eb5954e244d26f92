-- name: job_prune_finished
-- Leader-only maintenance of tranq_jobs.
-- $1 retention in ms, $2 most rows. Deletes finished jobs older than the retention, oldest first.
DELETE FROM tranq_jobs
WHERE id IN (
    SELECT id FROM tranq_jobs
    WHERE finished_at < CAST(unixepoch('subsec') * 1000000 AS INTEGER) - $1 * 1000
      AND state IN ('completed', 'discarded', 'cancelled')
    ORDER BY finished_at
    LIMIT $2
)
