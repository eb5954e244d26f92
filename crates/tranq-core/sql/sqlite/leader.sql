-- name: leader_delete_expired
-- The leader lease (table tranq_leader, at most one row). A worker becomes leader by inserting the
-- row when there is none, stays leader by pushing expires_at forward before it passes, and
-- resigns by deleting it. An expired row is deleted by whoever tries to be elected next.
DELETE FROM tranq_leader WHERE expires_at < CAST(unixepoch('subsec') * 1000000 AS INTEGER)

-- name: leader_attempt_elect
-- $1 leader id, $2 lease in ms. One row affected: elected; none: someone else leads.
INSERT INTO tranq_leader (name, leader_id, elected_at, expires_at)
VALUES ('default', $1, CAST(unixepoch('subsec') * 1000000 AS INTEGER),
        CAST(unixepoch('subsec') * 1000000 AS INTEGER) + $2 * 1000)
ON CONFLICT (name) DO NOTHING

-- name: leader_attempt_reelect
-- $1 leader id, $2 lease in ms. One row affected: still leader; none: leadership was lost.
UPDATE tranq_leader
SET expires_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER) + $2 * 1000
WHERE name = 'default' AND leader_id = $1

-- name: leader_resign
DELETE FROM tranq_leader WHERE name = 'default' AND leader_id = $1
