-- FastChat schema, version 2 (MySQL 8 / MariaDB 10.11+). Mirrors sql/sqlite/002_names_tokens.sql.
-- skeleton_key is the SHA-256 (hex) of a name's UTS #39 skeleton (lib/protocol/names.ts);
-- the server computes it for existing rows after this migration. It is NULL only for an
-- old name whose skeleton clashes with another old name's (both are kept, and logged).
-- A re-run after an interruption skips columns and indexes that exist already
-- (lib/store/mysql_migrate.ts ignores "duplicate column" and "duplicate key name").
ALTER TABLE users ADD COLUMN skeleton_key VARCHAR(64) NULL;
ALTER TABLE users ADD UNIQUE KEY users_skeleton_key (skeleton_key);
ALTER TABLE rooms ADD COLUMN skeleton_key VARCHAR(64) NULL;
ALTER TABLE rooms ADD UNIQUE KEY rooms_skeleton_key (skeleton_key);

-- Resume tokens (lib/auth/tokens.ts): only the id is stored; the MAC proves the rest.
-- The id is VARBINARY: a PAD SPACE collation must never make two ids equal.
CREATE TABLE IF NOT EXISTS resume_tokens (
  id         VARBINARY(64) NOT NULL,
  user_id    BIGINT        NOT NULL,
  issued_at  BIGINT        NOT NULL,
  expires_at BIGINT        NOT NULL,
  revoked_at BIGINT        NULL,
  PRIMARY KEY (id),
  KEY resume_tokens_user (user_id, issued_at),
  CONSTRAINT resume_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
