// Which SCIM attributes a filter on the host's users may name and where each lives in SQL (users, user_emails, team_members, user_grants): what SqlUserStore pushes down.
import { createSqlFilterCompiler } from '../../lib/sql'
import { GRANT_FILTERS } from './grants-sql'

/** SCIM attributes the list filter may name, and where they live. Anything else is 400 invalidFilter. */
export const compileUserFilter = createSqlFilterCompiler(
  {
    id: { expression: 'u.id', type: 'uuid' },
    userName: { expression: 'u.login', folded: 'u.login_folded' },
    externalId: 'u.external_uid',
    displayName: 'u.name',
    active: '(not u.disabled)',
    'name.givenName': "(u.document->'name'->>'givenName')",
    'name.familyName': "(u.document->'name'->>'familyName')",
    title: "(u.document->>'title')",
    'meta.created': 'u.created',
    'meta.lastModified': 'u.updated',
    emails: {
      from: 'user_emails e',
      // The tenant too: the planner can then find the email through user_emails_value (tenant, value_folded).
      where: 'e.user_id = u.id and e.tenant = u.tenant',
      subAttributes: {
        value: { expression: 'e.value', folded: 'e.value_folded' },
        type: 'e.type',
        primary: 'e.is_primary',
      },
    },
    // The teams the user belongs to (`groups.value eq "…"`), read live from the membership table.
    groups: {
      from: 'team_members g join teams gt on gt.id = g.team_id',
      where: 'g.user_id = u.id and g.tenant = u.tenant',
      subAttributes: {
        value: { expression: 'g.team_id', type: 'uuid' },
        display: { expression: 'gt.name', folded: 'gt.name_folded' },
      },
    },
    // The roles and entitlements the user holds (`roles.value eq "Editor"`), from user_grants.
    ...GRANT_FILTERS,
  },
  { resourceType: 'User' },
)
