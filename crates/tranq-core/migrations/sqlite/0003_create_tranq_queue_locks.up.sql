-- tranq schema, version 3 (SQLite 3.42+): one row per queue with a global concurrency limit,
-- written by each claim of that queue (SQLite lets one writer in at a time, so claims count the
-- queue's running jobs one after another; WorkerBuilder::global_concurrency).
CREATE TABLE IF NOT EXISTS tranq_queue_locks (
    queue TEXT PRIMARY KEY CHECK (length(queue) BETWEEN 1 AND 128)
);
