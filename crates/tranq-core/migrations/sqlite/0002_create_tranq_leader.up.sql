-- tranq schema, version 2 (SQLite 3.42+): the leader lease. At most one row: the worker named in
-- it runs the leader-only maintenance (pruning) until expires_at (integer microseconds), and
-- renews it before then. Elected by insert-if-absent, renewed by a conditional update.
CREATE TABLE IF NOT EXISTS tranq_leader (
    name       TEXT    NOT NULL PRIMARY KEY DEFAULT 'default' CHECK (name = 'default'),
    leader_id  TEXT    NOT NULL CHECK (length(leader_id) BETWEEN 1 AND 255),
    elected_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    expires_at INTEGER NOT NULL
);
