-- name: leader_delete_expired
-- The leader lease (table tranq_leader, at most one row). A worker becomes leader by inserting the
-- row when there is none, stays leader by pushing expires_at forward before it passes, and
-- resigns by deleting it. An expired row is deleted by whoever tries to be elected next.
DELETE FROM tranq_leader WHERE expires_at < UTC_TIMESTAMP(6)

-- name: leader_attempt_elect
-- $1 leader id, $2 lease in ms. One row affected: elected; none (duplicate key ignored): someone
-- else leads.
INSERT IGNORE INTO tranq_leader (name, leader_id, elected_at, expires_at)
VALUES ('default', $1, UTC_TIMESTAMP(6), TIMESTAMPADD(MICROSECOND, $2 * 1000, UTC_TIMESTAMP(6)))

-- name: leader_attempt_reelect
-- $1 leader id, $2 lease in ms. One row affected: still leader (expires_at always moves, so the
-- row counts as changed); none: leadership was lost.
UPDATE tranq_leader
SET expires_at = TIMESTAMPADD(MICROSECOND, $2 * 1000, UTC_TIMESTAMP(6))
WHERE name = 'default' AND leader_id = $1

-- name: leader_resign
DELETE FROM tranq_leader WHERE name = 'default' AND leader_id = $1
