-- FastChat schema, version 4 (MySQL 8 / MariaDB 10.11+). Mirrors sql/sqlite/004_messages_edit.sql:
-- kind: 'text' (an ordinary message) or 'action' (a `/me` line).
-- edited_at: when the text was last edited (ms), NULL when never edited.
-- deleted: 1 for a tombstone (text ''), which keeps seq, sender, ts and room/recipient, so
-- paging by msgid stays continuous. Existing messages keep every column: text, never
-- edited, not deleted. One column per statement: re-running after an interruption skips
-- a column that exists already (the runner ignores "duplicate column"), and each ADD with
-- a constant default is an instant change on MySQL 8 and MariaDB (no table rebuild).
ALTER TABLE messages ADD COLUMN kind VARCHAR(8) NOT NULL DEFAULT 'text';
ALTER TABLE messages ADD COLUMN edited_at BIGINT NULL;
ALTER TABLE messages ADD COLUMN deleted TINYINT NOT NULL DEFAULT 0;
