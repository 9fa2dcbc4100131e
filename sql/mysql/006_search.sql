-- FastChat schema, version 6 (MySQL 8 / MariaDB 10.11+): full-text search of messages
-- (protocol 1.1 `search`). Mirrors sql/sqlite/006_search.sql in what it finds.
-- messages.text gets an accent- and case-insensitive collation (utf8mb4_unicode_ci, known
-- to MySQL 8 and MariaDB alike; the text is only ever compared by search), and a FULLTEXT
-- index, which InnoDB keeps in step with every insert, edit and tombstone at the commit of
-- the writing transaction. Searched in boolean mode with `+word*` terms only: the server
-- parses the user's query into words (lib/store/search_query.ts).
-- The index is built without stopwords (innodb_ft_enable_stopword is read when an index is
-- created), so "the" or "de" are found like any word. Words shorter than
-- innodb_ft_min_token_size (3 by default) are not indexed: the store filters those with
-- LIKE on the candidate rows and checks the word starts in the server.
-- Building the index indexes every message stored so far (an upgraded database). Re-running
-- after an interruption is safe: MODIFY gives the same column twice, and the runner skips
-- an index that exists already.
ALTER TABLE messages MODIFY text TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL;

SET SESSION innodb_ft_enable_stopword = OFF;

CREATE FULLTEXT INDEX messages_text_ft ON messages (text);

SET SESSION innodb_ft_enable_stopword = DEFAULT;
