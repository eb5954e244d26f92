-- Statements an adapter runs on a connection of its own (no parameters, no rows).

-- name: session_begin_write
BEGIN

-- name: session_listen
LISTEN tranq_jobs
