-- The key that signs SCIM list cursors (RFC 9865): one for every replica, so that a cursor one of them issued is good at all of them.

create table scim_cursor_secret (
  id int primary key check (id = 1),    -- one row: the key every replica signs with
  secret text not null                  -- 32 random bytes, hex (read alike by pg and PGlite)
);
