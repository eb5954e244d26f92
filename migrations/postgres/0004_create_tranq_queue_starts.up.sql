-- tranq schema, version 4 (PostgreSQL 13+): the claims of queues with a rate limit, one row per
-- claim (when, how many jobs), written and counted under the queue's lock in
-- tranq_queue_locks, and pruned once older than the limit's period
-- (WorkerBuilder::rate_limit).
CREATE TABLE IF NOT EXISTS tranq_queue_starts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue      text   NOT NULL CHECK (char_length(queue) BETWEEN 1 AND 128),
    started_at bigint NOT NULL, -- microseconds since the Unix epoch
    jobs       bigint NOT NULL
);

CREATE INDEX IF NOT EXISTS tranq_queue_starts_queue_idx ON tranq_queue_starts (queue, started_at);
