-- name: migration_lock
-- A named lock held by the migrating connection; released by migration_unlock.
SELECT GET_LOCK('tranq_migrate', 60) AS locked

-- name: migration_create_table
CREATE TABLE IF NOT EXISTS tranq_migrations (
    version    INT          NOT NULL PRIMARY KEY,
    name       VARCHAR(255) NOT NULL,
    applied_at DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6))
)

-- name: migration_applied
SELECT CAST(version AS SIGNED) AS version FROM tranq_migrations ORDER BY version

-- name: migration_record
-- MySQL commits DDL implicitly, so a racing migrator may record the version too.
INSERT IGNORE INTO tranq_migrations (version, name) VALUES ($1, $2)

-- name: migration_unlock
SELECT RELEASE_LOCK('tranq_migrate') AS released
