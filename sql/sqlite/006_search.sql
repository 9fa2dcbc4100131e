-- FastChat schema, version 6 (SQLite): full-text search of messages (protocol 1.1 `search`).
-- messages_fts is an FTS5 index over messages.text, external-content (the text is not
-- stored twice; rowid = messages.seq). unicode61 with remove_diacritics 2 folds case and
-- accents, so the prefix query "cafe"* finds "Café".
-- detail=none keeps only which messages hold a token (no column, no positions) and
-- columnsize=0 no per-message token counts: the server only asks prefix queries of single
-- tokens (lib/store/search_query.ts), never phrases, NEAR or rank, and both options cut the
-- work of every write (docs/benchmarks.md, "Search").
-- Kept in step inside the transaction of every write: a new message is indexed by the
-- store's own INSERT into messages_fts right after the message's (lib/store/sqlite_store.ts:
-- an AFTER INSERT trigger costs 2× more, because a statement with a trigger opens a
-- statement savepoint, at which FTS5 writes its pending terms as a new segment, per row);
-- an edit (update of text), a tombstone (text '') and a delete (a room's deletion) by the
-- triggers below. For an external-content table the 'delete' command must be given the
-- text that was indexed, which is the old row's.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  text,
  content = 'messages',
  content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2',
  detail = none,
  columnsize = 0
);

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
  INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
END;

-- An upgraded database: index every message stored so far.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
