-- FastChat schema, version 8 (mysql): last seen of accounts, sanction history (staff and moderation 2.0). Written by the staff engineer.
-- Mirrors sql/sqlite/008_accounts_staff.sql. A re-run after an interruption skips what
-- exists already (the runner ignores duplicate columns and keys).
-- When an account was last seen: its last login, logout or disconnect (ms); NULL = never
-- since this version. Updated on those events only, never per message.
ALTER TABLE users ADD COLUMN last_seen BIGINT NULL;

-- An account's sanction history comes from the audit log: its entries by target, newest first.
ALTER TABLE audit ADD KEY audit_target (target(96), id);
