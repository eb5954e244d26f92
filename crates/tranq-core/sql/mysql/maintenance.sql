-- name: job_prune_finished
-- Leader-only maintenance of tranq_jobs.
-- $1 retention in ms, $2 most rows. Deletes finished jobs older than the retention, oldest first
-- (MariaDB takes no LIMIT in an IN subquery; a single-table DELETE takes one itself).
DELETE FROM tranq_jobs
WHERE finished_at < TIMESTAMPADD(MICROSECOND, 0 - $1 * 1000, UTC_TIMESTAMP(6))
  AND state IN ('completed', 'discarded', 'cancelled')
ORDER BY finished_at
LIMIT $2
