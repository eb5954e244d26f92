-- tranq schema, version 1 (SQLite 3.42+). Times are integer microseconds since the Unix epoch.
-- AUTOINCREMENT: a rolled-back or deleted job's id is never handed out again.
CREATE TABLE IF NOT EXISTS tranq_jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    state            TEXT    NOT NULL DEFAULT 'available'
        CHECK (state IN ('available', 'running', 'retryable', 'completed', 'discarded', 'cancelled')),
    queue            TEXT    NOT NULL CHECK (length(queue) BETWEEN 1 AND 128),
    task             TEXT    NOT NULL CHECK (length(task) BETWEEN 1 AND 255),
    priority         INTEGER NOT NULL DEFAULT 0,
    attempt          INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 25 CHECK (max_attempts >= 1),
    lease_token      INTEGER NOT NULL DEFAULT 0,
    run_at           INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    created_at       INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    attempted_at     INTEGER,
    finished_at      INTEGER,
    lease_expires_at INTEGER,
    lease_owner      TEXT,
    cancel_requested_at INTEGER,
    unique_key       TEXT,
    unique_states    INTEGER,
    args             TEXT    NOT NULL CHECK (json_valid(args)),
    errors           TEXT    NOT NULL DEFAULT '[]',
    tags             TEXT    NOT NULL DEFAULT '[]',
    metadata         TEXT    NOT NULL DEFAULT '{}',
    result           TEXT
);

CREATE INDEX IF NOT EXISTS tranq_jobs_claim_idx
    ON tranq_jobs (queue, priority, run_at, id)
    WHERE state IN ('available', 'retryable');

CREATE INDEX IF NOT EXISTS tranq_jobs_lease_idx
    ON tranq_jobs (lease_expires_at)
    WHERE state = 'running';

CREATE INDEX IF NOT EXISTS tranq_jobs_finished_idx
    ON tranq_jobs (finished_at)
    WHERE finished_at IS NOT NULL;

-- Unique jobs: at most one job per (task, unique_key) among the jobs whose state is in their own
-- `unique_states`, a bit set: available 1, running 2, retryable 4, completed 8, discarded 16,
-- cancelled 32 (live jobs: 7). The insert's ON CONFLICT names the same predicate.
CREATE UNIQUE INDEX IF NOT EXISTS tranq_jobs_unique_idx
    ON tranq_jobs (task, unique_key)
    WHERE unique_key IS NOT NULL
      AND (unique_states & CASE state WHEN 'available' THEN 1 WHEN 'running' THEN 2
                                      WHEN 'retryable' THEN 4 WHEN 'completed' THEN 8
                                      WHEN 'discarded' THEN 16 ELSE 32 END) <> 0;
