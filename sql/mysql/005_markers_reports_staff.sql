-- FastChat schema, version 5 (mysql): room creators, read markers, reports and staff roles (protocol 1.1). Written by the rooms/markers engineer.
-- Mirrors sql/sqlite/005_markers_reports_staff.sql. A re-run after an interruption skips
-- what exists already (IF NOT EXISTS; the runner ignores duplicate columns and keys).
-- Who created a room with `create_room` (may set its topic); NULL for `general`, rooms
-- created by the admin page and every room created before this version.
ALTER TABLE rooms ADD COLUMN created_by BIGINT NULL;

CREATE TABLE IF NOT EXISTS staff_roles (
  user_id BIGINT       NOT NULL,
  role    VARCHAR(16)  NOT NULL,
  since   BIGINT       NOT NULL,
  by_whom VARCHAR(255) NOT NULL,
  PRIMARY KEY (user_id),
  CONSTRAINT staff_roles_role CHECK (role IN ('moderator', 'admin')),
  CONSTRAINT staff_roles_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Read markers, per account; they only move forward. A room's markers go with the room.
CREATE TABLE IF NOT EXISTS room_markers (
  user_id BIGINT NOT NULL,
  room_id BIGINT NOT NULL,
  seq     BIGINT NOT NULL,
  PRIMARY KEY (user_id, room_id),
  CONSTRAINT room_markers_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT room_markers_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS dm_markers (
  user_id BIGINT NOT NULL,
  peer_id BIGINT NOT NULL,
  seq     BIGINT NOT NULL,
  PRIMARY KEY (user_id, peer_id),
  CONSTRAINT dm_markers_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT dm_markers_peer_fk FOREIGN KEY (peer_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- With messages_dm (user_lo, user_hi, seq), the users someone exchanged dms with are
-- found from both sides over indexes: (user_hi, user_lo) gives partners with a lower id.
ALTER TABLE messages ADD KEY messages_dm_high (user_hi, user_lo);

-- Reports for the staff's review queue; one per (message, reporter).
CREATE TABLE IF NOT EXISTS reports (
  id          BIGINT       NOT NULL AUTO_INCREMENT,
  msg_seq     BIGINT       NOT NULL,
  reporter_id BIGINT       NOT NULL,
  reason      TEXT         NOT NULL,
  at          BIGINT       NOT NULL,
  status      VARCHAR(8)   NOT NULL DEFAULT 'open',
  resolved_by VARCHAR(255) NULL,
  resolved_at BIGINT       NULL,
  PRIMARY KEY (id),
  UNIQUE KEY reports_message_reporter (msg_seq, reporter_id),
  KEY reports_status (status, id),
  CONSTRAINT reports_status_check CHECK (status IN ('open', 'closed')),
  CONSTRAINT reports_message_fk FOREIGN KEY (msg_seq) REFERENCES messages (seq) ON DELETE CASCADE,
  CONSTRAINT reports_reporter_fk FOREIGN KEY (reporter_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
