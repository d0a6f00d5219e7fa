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

-- Users provisioned before this migration keep the roles and entitlements their SCIM documents hold:
-- each string value once, in the order sent. Without it the store would say they hold none, and the
-- router would take their next unchanged PUT for a grant of every one of them.
insert into user_grants (tenant, user_id, kind, value, position)
select g.tenant, g.user_id, g.kind, g.value, min(g.position)
  from (
    select u.tenant, u.id as user_id, k.kind, e.element ->> 'value' as value, e.position::integer as position
      from users u
      cross join (values ('role', 'roles'), ('entitlement', 'entitlements')) as k(kind, attribute)
      cross join lateral jsonb_array_elements(
        case when jsonb_typeof(u.document -> k.attribute) = 'array' then u.document -> k.attribute else '[]'::jsonb end
      ) with ordinality as e(element, position)
     where jsonb_typeof(e.element -> 'value') = 'string' and e.element ->> 'value' <> ''
  ) g
 group by g.tenant, g.user_id, g.kind, g.value;
