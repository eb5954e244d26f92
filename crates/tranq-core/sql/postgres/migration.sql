-- name: migration_lock
-- Serialises concurrent migrators; released when the migrating transaction ends.
SELECT pg_advisory_xact_lock(7413620117)

-- name: migration_create_table
CREATE TABLE IF NOT EXISTS tranq_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)

-- name: migration_applied
SELECT version::bigint AS version FROM tranq_migrations ORDER BY version

-- name: migration_record
INSERT INTO tranq_migrations (version, name) VALUES ($1::integer, $2::text)
