-- tranq schema, version 1 (MariaDB 10.6+ / MySQL 8.0.13+). Times are UTC, DATETIME(6).
-- MySQL has no partial indexes: generated columns stand in for them. `claimable` is 1 for jobs
-- a worker may claim (NULL otherwise), so the claim walks its index in claim order and locks
-- only what it takes. `unique_live` holds the job's unique key while its state is in its own
-- `unique_states`, a bit set: available 1, running 2, retryable 4, completed 8, discarded 16,
-- cancelled 32 (live jobs: 7); NULL otherwise.
CREATE TABLE IF NOT EXISTS tranq_jobs (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    state            VARCHAR(16)  NOT NULL DEFAULT 'available',
    queue            VARCHAR(128) NOT NULL,
    task             VARCHAR(255) NOT NULL,
    priority         SMALLINT     NOT NULL DEFAULT 0,
    attempt          INT          NOT NULL DEFAULT 0,
    max_attempts     INT          NOT NULL DEFAULT 25,
    lease_token      BIGINT       NOT NULL DEFAULT 0,
    run_at           DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    created_at       DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    attempted_at     DATETIME(6)  NULL,
    finished_at      DATETIME(6)  NULL,
    lease_expires_at DATETIME(6)  NULL,
    lease_owner      VARCHAR(255) NULL,
    cancel_requested_at DATETIME(6) NULL,
    unique_key       VARCHAR(255) NULL,
    unique_states    SMALLINT     NULL,
    unique_live      VARCHAR(255) AS (
        IF(unique_states & CASE state WHEN 'available' THEN 1 WHEN 'running' THEN 2
                                      WHEN 'retryable' THEN 4 WHEN 'completed' THEN 8
                                      WHEN 'discarded' THEN 16 ELSE 32 END <> 0,
           unique_key, NULL)) STORED,
    claimable        TINYINT      AS (IF(state IN ('available', 'retryable'), 1, NULL)) STORED,
    args             JSON         NOT NULL,
    errors           JSON         NOT NULL DEFAULT ('[]'),
    tags             JSON         NOT NULL DEFAULT ('[]'),
    metadata         JSON         NOT NULL DEFAULT ('{}'),
    result           JSON         NULL,
    CONSTRAINT tranq_jobs_state_check
        CHECK (state IN ('available', 'running', 'retryable', 'completed', 'discarded', 'cancelled')),
    CONSTRAINT tranq_jobs_queue_check CHECK (CHAR_LENGTH(queue) >= 1),
    CONSTRAINT tranq_jobs_attempts_check CHECK (max_attempts >= 1),
    KEY tranq_jobs_claim_idx (queue, claimable, priority, run_at, id),
    KEY tranq_jobs_lease_idx (state, lease_expires_at),
    KEY tranq_jobs_finished_idx (finished_at),
    UNIQUE KEY tranq_jobs_unique_idx (task, unique_live)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
