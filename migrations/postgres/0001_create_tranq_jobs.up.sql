-- tranq schema, version 1 (PostgreSQL 13+).
CREATE TABLE IF NOT EXISTS tranq_jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state            text        NOT NULL DEFAULT 'available'
        CHECK (state IN ('available', 'running', 'retryable', 'completed', 'discarded', 'cancelled')),
    queue            text        NOT NULL CHECK (char_length(queue) BETWEEN 1 AND 128),
    task             text        NOT NULL CHECK (char_length(task) BETWEEN 1 AND 255),
    priority         smallint    NOT NULL DEFAULT 0,
    attempt          integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL DEFAULT 25 CHECK (max_attempts >= 1),
    lease_token      bigint      NOT NULL DEFAULT 0,
    run_at           timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempted_at     timestamptz,
    finished_at      timestamptz,
    lease_expires_at timestamptz,
    lease_owner      text,
    cancel_requested_at timestamptz,
    unique_key       text,
    unique_states    smallint,
    args             jsonb       NOT NULL,
    errors           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    tags             jsonb       NOT NULL DEFAULT '[]'::jsonb,
    metadata         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    result           jsonb
);

-- The claim path: only runnable rows are in this index, so finished jobs never slow it down.
CREATE INDEX IF NOT EXISTS tranq_jobs_claim_idx
    ON tranq_jobs (queue, priority, run_at, id)
    WHERE state IN ('available', 'retryable');

-- The rescuer's path: running jobs by lease expiry.
CREATE INDEX IF NOT EXISTS tranq_jobs_lease_idx
    ON tranq_jobs (lease_expires_at)
    WHERE state = 'running';

-- The pruner's path: finished jobs by age.
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
