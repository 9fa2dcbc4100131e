-- FastChat schema, version 5 (sqlite): room creators, read markers, reports and staff roles (protocol 1.1). Written by the rooms/markers engineer.
-- Who created a room with `create_room` (may set its topic); NULL for `general`, rooms
-- created by the admin page and every room created before this version.
ALTER TABLE rooms ADD COLUMN created_by INTEGER REFERENCES users(id);

-- Staff roles (protocol 1.1 "Staff"): at most one per account.
CREATE TABLE staff_roles (
  user_id INTEGER PRIMARY KEY REFERENCES users(id),
  role    TEXT    NOT NULL CHECK (role IN ('moderator', 'admin')),
  since   INTEGER NOT NULL,
  by_whom TEXT    NOT NULL
);

-- Read markers, per account: the last message read in a room, or in the dms with a peer.
-- They only move forward. A room's markers go with the room.
CREATE TABLE room_markers (
  user_id INTEGER NOT NULL REFERENCES users(id),
  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;
CREATE TABLE dm_markers (
  user_id INTEGER NOT NULL REFERENCES users(id),
  peer_id INTEGER NOT NULL REFERENCES users(id),
  seq     INTEGER NOT NULL,
  PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;
-- With messages_dm (low, high, seq), the users someone exchanged dms with are found from
-- both sides over indexes: (high, low) gives the partners with a lower id.
CREATE INDEX messages_dm_high ON messages(
  max(sender_id, recipient_id), min(sender_id, recipient_id)
) WHERE recipient_id IS NOT NULL;

-- Reports for the staff's review queue; one per (message, reporter).
CREATE TABLE reports (
  id          INTEGER PRIMARY KEY,
  msg_seq     INTEGER NOT NULL REFERENCES messages(seq) ON DELETE CASCADE,
  reporter_id INTEGER NOT NULL REFERENCES users(id),
  reason      TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  resolved_by TEXT,
  resolved_at INTEGER
);
CREATE UNIQUE INDEX reports_message_reporter ON reports(msg_seq, reporter_id);
CREATE INDEX reports_status ON reports(status, id);
