-- FastChat schema, version 4 (SQLite): message kinds, edits and deletions (protocol 1.1).
-- kind: 'text' (an ordinary message) or 'action' (a `/me` line).
-- edited_at: when the text was last edited (ms), NULL when never edited.
-- deleted: 1 for a tombstone (text ''), which keeps seq, sender, ts and room/recipient, so
-- paging by msgid stays continuous. Existing messages keep every column: text, never
-- edited, not deleted. ADD COLUMN with a constant default rewrites no row.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'
  CHECK (kind IN ('text', 'action'));
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
