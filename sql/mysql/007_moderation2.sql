-- FastChat schema, version 7 (mysql): slow mode, address bans, report resolution (staff and moderation 2.0). Written by the moderation-API engineer.
-- Slow mode per room, in seconds (0 = off).
ALTER TABLE rooms ADD COLUMN slowmode INT NOT NULL DEFAULT 0;

-- Address bans: an address or network (CIDR, normalised text), until a time or for ever
-- (expires_at NULL). Expired rows are ignored when read and removed when listed.
CREATE TABLE IF NOT EXISTS address_bans (
  id         BIGINT       NOT NULL AUTO_INCREMENT,
  address    VARCHAR(64)  NOT NULL,
  expires_at BIGINT       NULL,
  reason     TEXT         NOT NULL,
  by_whom    VARCHAR(255) NOT NULL,
  at         BIGINT       NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
