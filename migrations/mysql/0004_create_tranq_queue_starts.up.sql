-- tranq schema, version 4 (MariaDB 10.6+): the claims of queues with a rate limit, one row per
-- claim (when, how many jobs), written and counted under the queue's lock in
-- tranq_queue_locks, and pruned once older than the limit's period
-- (WorkerBuilder::rate_limit).
CREATE TABLE IF NOT EXISTS tranq_queue_starts (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    queue      VARCHAR(128) NOT NULL,
    started_at BIGINT       NOT NULL COMMENT 'microseconds since the Unix epoch',
    jobs       BIGINT       NOT NULL,
    KEY tranq_queue_starts_queue_idx (queue, started_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
