-- tranq schema, version 3 (PostgreSQL 13+): one row per queue with a global concurrency limit,
-- locked by each claim of that queue, so that claims by different workers count the queue's
-- running jobs one after another (WorkerBuilder::global_concurrency).
CREATE TABLE IF NOT EXISTS tranq_queue_locks (
    queue text PRIMARY KEY CHECK (char_length(queue) BETWEEN 1 AND 128)
);
