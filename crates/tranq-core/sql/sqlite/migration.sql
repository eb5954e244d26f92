-- name: migration_prepare
-- Outside the migrating transaction: WAL lets readers work beside the one writer.
PRAGMA journal_mode = WAL

-- name: migration_lock
-- The first statement of the migrating transaction writes, so it takes SQLite's write lock at
-- once (waiting out the busy timeout) instead of failing on a later lock upgrade.
CREATE TABLE IF NOT EXISTS tranq_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER))
)

-- name: migration_create_table
UPDATE tranq_migrations SET name = name WHERE version < 0

-- name: migration_applied
SELECT version FROM tranq_migrations ORDER BY version

-- name: migration_record
INSERT INTO tranq_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING
