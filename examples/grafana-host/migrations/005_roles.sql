-- Users' roles and entitlements as the IdP provisions them (draft-ietf-scim-roles-entitlements), and the roles a team grants its members (Grafana's team role assignment).

-- One row per grant a user holds: the values of SCIM's roles[].value and entitlements[].value, each a
-- value of the host's catalogue (roles.ts). The SCIM document keeps display, type and primary.
create table user_grants (
  tenant text not null,
  user_id uuid not null references users (id) on delete cascade,
  kind text not null check (kind in ('role', 'entitlement')),
  value text not null,                  -- exactly as the catalogue spells it, compared exactly
  position integer not null,            -- the order the IdP sent them in, which reads give back
  primary key (user_id, kind, value)
);
-- roles.value eq "Editor" and entitlements[value eq "…"]: who holds a grant, without scanning users
create index user_grants_value on user_grants (tenant, kind, value);

-- Roles granted to every member of a team by an admin of the host (never over SCIM): a member holds
-- them for as long as the IdP keeps them in the team.
create table team_roles (
  tenant text not null,
  team_id uuid not null references teams (id) on delete cascade,
  role text not null,                   -- a role of the catalogue, never a protected one
  granted_by text not null,             -- the login of the admin who granted it
  created timestamptz not null default clock_timestamp(),
  primary key (team_id, role)
);
