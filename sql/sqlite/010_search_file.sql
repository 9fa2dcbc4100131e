-- FastChat schema, version 10 (SQLite): the search index moves out of the messages
-- database, into a file of its own beside it (`<db>-search.db`), maintained by a thread of
-- its own (lib/store/sqlite_search_worker.ts, lib/store/sqlite_search_index.ts).
-- Why: indexing a message in FTS5 costs about as much as storing it. In this database its
-- transactions took the write lock the messages' commits wait for, on the same thread, so
-- the durable message rate with the index was ~0.7 × the rate without it. In its own file
-- the index is written by another connection (with its own lock) on another core, from what
-- the messages' transactions committed, in large batches; once the index is built, a
-- search waits until it has caught up with everything committed before the search, so
-- results are those of an index kept in the same transaction (while it is being built,
-- searches scan the messages: same results, slower). The index is derived data: a missing,
-- stale or foreign file is rebuilt from the messages (this upgrade rebuilds it once, in the
-- background, pass by pass, resumed after a restart).
-- What stays here is what must be written in the transaction of a change: search_changes,
-- the queue of messages whose text changed after they may have been indexed (an edit, a
-- tombstone, a room's deletion, a message stored below the highest sequence number). The
-- indexer re-indexes them; the store deletes the rows the index reflects.
DROP TRIGGER messages_fts_delete;

DROP TRIGGER messages_fts_update;

DROP TABLE messages_fts;

DROP TABLE search_index_state;

CREATE TABLE search_changes (
  id  INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER NOT NULL
);

CREATE TRIGGER search_changes_delete AFTER DELETE ON messages BEGIN
  INSERT INTO search_changes (seq) VALUES (old.seq);
END;

CREATE TRIGGER search_changes_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO search_changes (seq) VALUES (new.seq);
END;
