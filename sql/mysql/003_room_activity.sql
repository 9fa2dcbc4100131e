-- FastChat schema, version 3 (MySQL 8 / MariaDB 10.11+). Mirrors sql/sqlite/003_room_activity.sql:
-- when each room was last used (a message, a join or a leave), so that idle rooms can
-- expire (`--room-expiry`). Kept in memory by the server and written here periodically,
-- never once per message. Re-running after an interruption is safe: the migration runner
-- skips a column that exists already, and the UPDATE gives the same result twice.
ALTER TABLE rooms ADD COLUMN last_active BIGINT NOT NULL DEFAULT 0;

-- Existing rooms: their newest message, else their creation.
UPDATE rooms SET last_active = GREATEST(
  created_at,
  COALESCE((SELECT m.ts FROM messages m WHERE m.room_id = rooms.id ORDER BY m.seq DESC LIMIT 1), 0)
);
