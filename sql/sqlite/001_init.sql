-- FastChat schema, version 1 (SQLite).
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  name_key      TEXT    NOT NULL UNIQUE,
  password_hash TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);

CREATE TABLE rooms (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  name_key   TEXT    NOT NULL UNIQUE,
  topic      TEXT,
  created_at INTEGER NOT NULL
);

-- seq is assigned by the server; room_id or recipient_id is set.
CREATE TABLE messages (
  seq          INTEGER PRIMARY KEY,
  room_id      INTEGER REFERENCES rooms(id) ON DELETE CASCADE,
  sender_id    INTEGER NOT NULL REFERENCES users(id),
  recipient_id INTEGER REFERENCES users(id),
  text         TEXT    NOT NULL,
  ts           INTEGER NOT NULL,
  cid          TEXT
);
CREATE INDEX messages_room ON messages(room_id, seq) WHERE room_id IS NOT NULL;
-- Direct messages, found from either side: (low user id, high user id, seq).
CREATE INDEX messages_dm ON messages(
  min(sender_id, recipient_id), max(sender_id, recipient_id), seq
) WHERE recipient_id IS NOT NULL;
CREATE UNIQUE INDEX messages_cid ON messages(sender_id, cid) WHERE cid IS NOT NULL;

CREATE TABLE sanctions (
  user_id INTEGER NOT NULL REFERENCES users(id),
  kind    TEXT    NOT NULL CHECK (kind IN ('kick', 'mute', 'ban')),
  until   INTEGER,
  reason  TEXT    NOT NULL,
  by_whom TEXT    NOT NULL,
  at      INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind)
);

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  by_whom TEXT    NOT NULL,
  address TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  target  TEXT,
  detail  TEXT
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
