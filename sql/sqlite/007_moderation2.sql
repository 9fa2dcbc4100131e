-- FastChat schema, version 7 (sqlite): slow mode, address bans, report resolution (staff and moderation 2.0). Written by the moderation-API engineer.
-- Slow mode per room, in seconds (0 = off).
ALTER TABLE rooms ADD COLUMN slowmode INTEGER NOT NULL DEFAULT 0;

-- Address bans: an address or network (CIDR, normalised text), until a time or for ever
-- (expires_at NULL). Expired rows are ignored when read and removed when listed.
CREATE TABLE address_bans (
  id         INTEGER PRIMARY KEY,
  address    TEXT    NOT NULL,
  expires_at INTEGER,
  reason     TEXT    NOT NULL,
  by_whom    TEXT    NOT NULL,
  at         INTEGER NOT NULL
);
