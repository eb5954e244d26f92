-- tranq schema, version 2 (PostgreSQL 13+): the leader lease. At most one row: the worker named
-- in it runs the leader-only maintenance (pruning) until expires_at, and renews it before then.
-- Elected by insert-if-absent, renewed by a conditional update; times are the database's own.
CREATE TABLE IF NOT EXISTS tranq_leader (
    name       text        PRIMARY KEY DEFAULT 'default' CHECK (name = 'default'),
    leader_id  text        NOT NULL CHECK (char_length(leader_id) BETWEEN 1 AND 255),
    elected_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
