-- FastChat schema, version 8 (sqlite): last seen of accounts, sanction history (staff and moderation 2.0). Written by the staff engineer.
-- When an account was last seen: its last login, logout or disconnect (ms); NULL = never
-- since this version. Updated on those events only, never per message.
ALTER TABLE users ADD COLUMN last_seen INTEGER;

-- An account's sanction history comes from the audit log: its entries by target, newest first.
CREATE INDEX audit_target ON audit(target, id);
