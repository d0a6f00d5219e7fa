// Example: what express-scim makes of a SCIM filter — the AST, its canonical text, SQL, and in-memory matches.
// Run: `npm start` (the RFC 7644 examples) or `npm start -- 'userName eq "bjensen"'`.
import { isScimError } from '../../lib'
import { compileFilter, parseFilter, stringifyFilter } from '../../lib/filter'
import { filterToSql, type SqlAttributeMapping } from '../../lib/sql'

/** How a host might map SCIM User attributes onto its own `users` table and `user_emails` child table. */
export const USERS_TABLE_MAPPING: SqlAttributeMapping = {
  id: 'u.id',
  externalId: 'u.external_id',
  // A folded column (filled with foldCase(login) on every write) compares as matchesFilter() does.
  userName: { expression: 'u.login', folded: 'u.login_folded' },
  displayName: 'u.name',
  title: 'u.title',
  userType: 'u.user_type',
  active: 'u.is_active',
  'name.familyName': 'u.family_name',
  'meta.created': 'u.created_at',
  'meta.lastModified': 'u.updated_at',
  emails: {
    from: 'user_emails e',
    where: 'e.user_id = u.id',
    subAttributes: { value: 'e.email', type: 'e.kind' },
  },
  ims: {
    from: 'user_ims i',
    where: 'i.user_id = u.id',
    subAttributes: { value: 'i.address', type: 'i.kind' },
  },
  schemas: { from: 'unnest(u.schemas) AS s(urn)', value: 's.urn' },
}

/** A few users to match filters against. */
export const SAMPLE_USERS = [
  {
    id: '1',
    userName: 'bjensen',
    title: 'Tour Guide',
    userType: 'Employee',
    name: { familyName: "O'Malley" },
    emails: [{ value: 'bjensen@example.com', type: 'work' }],
    meta: { lastModified: '2011-05-13T04:42:34Z' },
  },
  { id: '2', userName: 'JSmith', userType: 'Intern', emails: [{ value: 'john@example.org', type: 'home' }] },
]

/** The explanation of one filter, or the SCIM error it earns. */
export type Explanation =
  | {
      readonly filter: string
      readonly canonical: string
      readonly sql: string
      readonly values: readonly unknown[]
      readonly matches: readonly string[]
    }
  | {
      readonly filter: string
      readonly error: { readonly status: number; readonly scimType?: string; readonly detail: string }
    }

/** Parses, re-serialises, compiles to SQL and evaluates one filter. */
export function explainFilter(filter: string): Explanation {
  try {
    const ast = parseFilter(filter)
    const sql = filterToSql(ast, USERS_TABLE_MAPPING, { resourceType: 'User' })
    const predicate = compileFilter(ast, { resourceType: 'User' })
    return {
      filter,
      canonical: stringifyFilter(ast),
      sql: sql.text,
      values: sql.values,
      matches: SAMPLE_USERS.filter(predicate).map((u) => u.userName),
    }
  } catch (error) {
    if (!isScimError(error)) throw error
    return {
      filter,
      error: {
        status: error.status,
        ...(error.scimType !== undefined ? { scimType: error.scimType } : {}),
        detail: error.message,
      },
    }
  }
}

const DEFAULT_FILTERS = [
  'userName eq "BJENSEN"',
  'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
  'emails[type eq "work"].value eq "bjensen@example.com"',
  'meta.lastModified gt "2011-05-13T04:42:34+02:00"',
  'title pr and not (userName sw "j")',
  'userName eq "x" or 1=1 --',
]

if (require.main === module) {
  const filters = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_FILTERS
  console.log('express-scim filter explorer (the SCIM server example arrives with the router).\n')
  for (const filter of filters) console.log(JSON.stringify(explainFilter(filter), null, 2), '\n')
}
