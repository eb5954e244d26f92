-- tranq schema, version 3 (MariaDB 10.6+): one row per queue with a global concurrency limit,
-- locked by each claim of that queue, so that claims by different workers count the queue's
-- running jobs one after another (WorkerBuilder::global_concurrency).
CREATE TABLE IF NOT EXISTS tranq_queue_locks (
    queue VARCHAR(128) NOT NULL PRIMARY KEY
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
