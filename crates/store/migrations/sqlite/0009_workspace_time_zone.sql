-- A workspace's time zone: an IANA name (checked by the server against its bundled tz
-- database) in which the printable report writes times, and later business-day calendars
-- count. Existing workspaces read UTC, which is what every time said before.
ALTER TABLE workspaces ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
