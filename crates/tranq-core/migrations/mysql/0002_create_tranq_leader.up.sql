-- tranq schema, version 2 (MariaDB 10.6+ / MySQL 8.0.13+): the leader lease. At most one row:
-- the worker named in it runs the leader-only maintenance (pruning) until expires_at, and renews
-- it before then. Elected by insert-if-absent, renewed by a conditional update; times are UTC.
CREATE TABLE IF NOT EXISTS tranq_leader (
    name       VARCHAR(32)  NOT NULL DEFAULT 'default' PRIMARY KEY,
    leader_id  VARCHAR(255) NOT NULL,
    elected_at DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    expires_at DATETIME(6)  NOT NULL,
    CONSTRAINT tranq_leader_name_check CHECK (name = 'default'),
    CONSTRAINT tranq_leader_id_check CHECK (CHAR_LENGTH(leader_id) >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
