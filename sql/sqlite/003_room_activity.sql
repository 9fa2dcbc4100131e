-- FastChat schema, version 3 (SQLite): when each room was last used (a message, a join or
-- a leave), so that idle rooms can expire (`--room-expiry`). Kept in memory by the server
-- and written here periodically, never once per message.
ALTER TABLE rooms ADD COLUMN last_active INTEGER NOT NULL DEFAULT 0;

-- Existing rooms: their newest message, else their creation.
UPDATE rooms SET last_active = max(
  created_at,
  coalesce((SELECT m.ts FROM messages m WHERE m.room_id = rooms.id ORDER BY m.seq DESC LIMIT 1), 0)
);
