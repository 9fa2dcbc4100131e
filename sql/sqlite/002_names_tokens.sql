-- FastChat schema, version 2 (SQLite): confusable-skeleton keys and resume tokens.
-- skeleton_key is the SHA-256 of a name's UTS #39 skeleton (lib/protocol/names.ts); the
-- server computes it for existing rows after this migration. It is NULL only for an old
-- name whose skeleton clashes with another old name's (both are kept, and logged).
ALTER TABLE users ADD COLUMN skeleton_key TEXT;
CREATE UNIQUE INDEX users_skeleton_key ON users(skeleton_key);
ALTER TABLE rooms ADD COLUMN skeleton_key TEXT;
CREATE UNIQUE INDEX rooms_skeleton_key ON rooms(skeleton_key);

-- Resume tokens (lib/auth/tokens.ts): the token itself is never stored, only its id; the
-- MAC proves the rest. A revoked or expired row is refused, then pruned.
CREATE TABLE resume_tokens (
  id         TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  issued_at  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX resume_tokens_user ON resume_tokens(user_id, issued_at);
