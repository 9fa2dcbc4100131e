-- FastChat schema, version 9 (SQLite): new messages reach the search index (006) after
-- their own transaction, several thousand at a time, instead of inside it.
-- Indexing a message in FTS5 costs about as much as storing it: most of it is per
-- transaction (the pending terms of each commit become a new segment, which later merges
-- rewrite), so one index transaction per few thousand messages costs a third of one per
-- group commit, and it is no longer part of the commit a `say` waits for (its `ok` means
-- durable, as before). lib/store/sqlite_store.ts indexes them right after the write that
-- brings 4,096 waiting, 500 ms after the last write otherwise, at close, and always before
-- a search reads the index, so a search still finds every message stored before it.
-- search_index_state.upto: every message with a sequence number up to it is in messages_fts
-- (one row). The index transaction adds the messages above it and moves it, atomically, so
-- a crash loses nothing (the messages above upto are indexed again).
-- Edits, tombstones and a room's deletion still change the index in their own transaction,
-- but only for messages already indexed: one still waiting is indexed with its current text.
-- An existing database (version 8) has every message indexed already.
CREATE TABLE search_index_state (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  upto INTEGER NOT NULL
);

INSERT INTO search_index_state (id, upto) SELECT 1, coalesce(max(seq), 0) FROM messages;

DROP TRIGGER messages_fts_delete;

DROP TRIGGER messages_fts_update;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.seq <= (SELECT upto FROM search_index_state) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN old.seq <= (SELECT upto FROM search_index_state) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
  INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
END;
