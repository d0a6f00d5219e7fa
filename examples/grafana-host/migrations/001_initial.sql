-- The Grafana-like host's tables: users, teams and members, sessions, the SCIM audit log.
-- Every lookup an IdP makes has an index; uniqueness skips hidden (SCIM-deleted) users.

create table users (
  tenant text not null,
  id uuid primary key,
  login text not null,
  login_folded text not null,           -- foldCase(login), written by the store
  email text,
  email_folded text,                    -- foldCase(email)
  name text,                            -- displayName
  disabled boolean not null default false,
  external_uid text,                    -- SCIM externalId: how SAML logins find the user
  provisioned boolean not null default false,
  hidden boolean not null default false,
  document jsonb not null default '{}',
  password_hash text,                   -- local users only (the admin)
  version bigint not null default 1,
  created timestamptz not null default clock_timestamp(),
  updated timestamptz not null default clock_timestamp(),
  seq bigserial not null
);
-- userName eq, the login form, the uniqueness rule
create unique index users_login_key on users (tenant, login_folded) where not hidden;
-- emails[type eq "work"].value eq (the primary email is the one kept)
create unique index users_email_key on users (tenant, email_folded) where not hidden;
-- externalId eq, SAML linking (visible users)
create unique index users_external_uid_key on users (tenant, external_uid) where not hidden;
-- findAllByExternalId: hidden users too, so a deprovisioned person's login is refused
create index users_external_uid_all on users (tenant, external_uid);
create index users_seq on users (tenant, seq);

-- One namespace for logins and emails (a login may not be another user's email): one row per distinct
-- folded name of each visible user, unique per tenant, so the rule holds under concurrent writes.
create table user_names (
  tenant text not null,
  name_folded text not null,
  user_id uuid not null references users (id) on delete cascade,
  kind text not null check (kind in ('login', 'email')),
  constraint user_names_key unique (tenant, name_folded)
);
create index user_names_user on user_names (user_id);

-- The user's emails as SCIM shows them, one row each: emails[type eq "work"].value eq and
-- emails.value co/sw/ew are answered from here, the folded value indexed.
create table user_emails (
  tenant text not null,
  user_id uuid not null references users (id) on delete cascade,
  value text not null,
  value_folded text not null,           -- foldCase(value)
  type text,
  is_primary boolean not null default false,
  position integer not null
);
create index user_emails_value on user_emails (tenant, value_folded);
create index user_emails_user on user_emails (user_id);

create table teams (
  tenant text not null,
  id uuid primary key,
  name text not null,
  name_folded text not null,            -- foldCase(name)
  external_uid text,
  provisioned boolean not null default false,
  document jsonb not null default '{}',
  version bigint not null default 1,
  created timestamptz not null default clock_timestamp(),
  updated timestamptz not null default clock_timestamp(),
  seq bigserial not null
);
-- displayName eq and the uniqueness rule
create unique index teams_name_key on teams (tenant, name_folded);
create index teams_external_uid on teams (tenant, external_uid);
create index teams_seq on teams (tenant, seq);

create table team_members (
  tenant text not null,
  team_id uuid not null references teams (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  seq bigserial not null,
  primary key (team_id, user_id)
);
-- a user's teams (the dashboard, removeUserFromTeams)
create index team_members_user on team_members (tenant, user_id);
create index team_members_page on team_members (team_id, seq);

create table sessions (
  id text primary key,                  -- SHA-256 of the cookie's token, never the token
  tenant text not null,
  user_id uuid not null references users (id) on delete cascade,
  created timestamptz not null default clock_timestamp(),
  last_seen timestamptz not null default clock_timestamp(),
  expires timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  csrf_token text not null              -- sent back by every form of the admin pages
);
create index sessions_user on sessions (tenant, user_id) where revoked_at is null;

create table audit_log (
  id bigserial primary key,
  tenant text not null,
  time timestamptz not null,
  type text not null,
  resource_id text,
  actor text,
  request_id text,
  event jsonb not null
);
create index audit_log_time on audit_log (tenant, id desc);
