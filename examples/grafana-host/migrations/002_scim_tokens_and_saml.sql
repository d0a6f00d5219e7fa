-- SCIM bearer tokens (one per IdP, stored hashed with a visible prefix) and the SAML assertions already used (replay refusal).

create table scim_tokens (
  id uuid primary key,
  tenant text not null,
  name text not null,                   -- which IdP holds it: "Entra ID", "Okta"
  prefix text not null,                 -- the first characters, shown so an admin can tell tokens apart
  hash text not null,                   -- SHA-256 of the token, hex
  created timestamptz not null default clock_timestamp(),
  revoked_at timestamptz
);
create unique index scim_tokens_hash on scim_tokens (hash);
create index scim_tokens_tenant on scim_tokens (tenant, created);

create table saml_assertions (
  id text primary key,                  -- the Assertion's ID: a second use of it is a replay
  expires timestamptz not null
);
create index saml_assertions_expires on saml_assertions (expires);
