-- Statements an adapter runs on a connection of its own (no parameters, no rows).
-- session_begin_write takes the write lock at once, waiting out the busy timeout. A deferred
-- transaction takes it at its first write, and one that read before cannot wait for it: SQLite
-- fails it at once with "database is locked".

-- name: session_begin_write
BEGIN IMMEDIATE
