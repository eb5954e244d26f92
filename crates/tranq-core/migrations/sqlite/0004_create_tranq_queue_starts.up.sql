-- tranq schema, version 4 (SQLite 3.42+): the claims of queues with a rate limit, one row per
-- claim (when, how many jobs), written and counted under SQLite's write lock, and pruned once
-- older than the limit's period (WorkerBuilder::rate_limit).
CREATE TABLE IF NOT EXISTS tranq_queue_starts (
    id         INTEGER PRIMARY KEY,
    queue      TEXT    NOT NULL CHECK (length(queue) BETWEEN 1 AND 128),
    started_at INTEGER NOT NULL, -- microseconds since the Unix epoch
    jobs       INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS tranq_queue_starts_queue_idx ON tranq_queue_starts (queue, started_at);
