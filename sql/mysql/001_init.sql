-- FastChat schema, version 1 (MySQL 8 / MariaDB 10.11+). Mirrors sql/sqlite/001_init.sql.
-- Every table is utf8mb4 with a binary collation: names are compared by their folded
-- key, which the server computes, so the database must compare bytes, not "similar" text.
-- DDL commits implicitly in MySQL, so each statement is safe to run again (IF NOT EXISTS)
-- should a migration be interrupted half-way. Statements end with a ";" at line end.
CREATE TABLE IF NOT EXISTS users (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  name          VARCHAR(255) NOT NULL,
  name_key      VARCHAR(255) NOT NULL,
  password_hash VARCHAR(1024) NOT NULL,
  created_at    BIGINT       NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY users_name_key (name_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rooms (
  id         BIGINT       NOT NULL AUTO_INCREMENT,
  name       VARCHAR(255) NOT NULL,
  name_key   VARCHAR(255) NOT NULL,
  topic      TEXT,
  created_at BIGINT       NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY rooms_name_key (name_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- seq is assigned by the server; room_id or recipient_id is set.
-- user_lo/user_hi put both directions of a conversation under one index key.
-- cid is VARBINARY: utf8mb4_bin pads trailing spaces on MariaDB ("a" = "a "), and two
-- distinct client ids must never collide.
CREATE TABLE IF NOT EXISTS messages (
  seq          BIGINT NOT NULL,
  room_id      BIGINT NULL,
  sender_id    BIGINT NOT NULL,
  recipient_id BIGINT NULL,
  text         TEXT   NOT NULL,
  ts           BIGINT NOT NULL,
  cid          VARBINARY(256) NULL, -- 64 characters of up to 4 UTF-8 bytes
  user_lo      BIGINT GENERATED ALWAYS AS (LEAST(sender_id, recipient_id)) STORED,
  user_hi      BIGINT GENERATED ALWAYS AS (GREATEST(sender_id, recipient_id)) STORED,
  PRIMARY KEY (seq),
  KEY messages_room (room_id, seq),
  KEY messages_dm (user_lo, user_hi, seq),
  KEY messages_sender (sender_id, seq),
  KEY messages_recipient (recipient_id),
  UNIQUE KEY messages_cid (sender_id, cid),
  CONSTRAINT messages_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
  CONSTRAINT messages_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id),
  CONSTRAINT messages_recipient_fk FOREIGN KEY (recipient_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS sanctions (
  user_id    BIGINT     NOT NULL,
  kind       VARCHAR(8) NOT NULL,
  expires_at BIGINT     NULL,
  reason     TEXT       NOT NULL,
  by_whom    VARCHAR(255) NOT NULL,
  at         BIGINT     NOT NULL,
  PRIMARY KEY (user_id, kind),
  CONSTRAINT sanctions_kind CHECK (kind IN ('kick', 'mute', 'ban')),
  CONSTRAINT sanctions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS audit (
  id      BIGINT       NOT NULL AUTO_INCREMENT,
  at      BIGINT       NOT NULL,
  by_whom VARCHAR(255) NOT NULL,
  address VARCHAR(255) NOT NULL,
  action  VARCHAR(255) NOT NULL,
  target  TEXT,
  detail  TEXT,
  PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS settings (
  setting_key   VARCHAR(255) NOT NULL,
  setting_value TEXT         NOT NULL,
  PRIMARY KEY (setting_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
