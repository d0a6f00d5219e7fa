// Filter benchmark: parse and evaluate representative filters with express-scim and scim2-parse-filter.
import { filter as peerCompile, parse as peerParse } from 'scim2-parse-filter'
import { measurePairs, printPairs } from './harness'
import { library } from './library'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/** Representative filters: what Entra and Okta send, and the RFC's richer shapes. */
export const FILTERS: readonly (readonly [string, string])[] = [
  ['simple eq', 'userName eq "user42@example.com"'],
  ['externalId eq', 'externalId eq "0a1b2c3d-0042"'],
  [
    'nested and/or/not',
    'userType eq "Employee" and not (title pr) or (active eq true and displayName sw "User 4")',
  ],
  ['value path', 'emails[type eq "work" and value co "@example.com"]'],
  ['Entra value path', 'emails[type eq "work"].value eq "user42@example.com"'],
  ['URN-qualified', `${ENTERPRISE}:employeeNumber eq "42"`],
  ['dateTime gt', 'meta.lastModified gt "2024-03-01T00:00:00Z"'],
]

/** 200 users with the attributes the filters touch. */
export function sampleUsers(count = 200) {
  return Array.from({ length: count }, (_, i) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    id: `id-${i}`,
    externalId: `0a1b2c3d-${String(i).padStart(4, '0')}`,
    userName: `user${i}@example.com`,
    displayName: `User ${i}`,
    userType: i % 3 === 0 ? 'Employee' : 'Contractor',
    title: i % 5 === 0 ? 'Engineer' : undefined,
    active: i % 7 !== 0,
    emails: [
      { value: `user${i}@example.com`, type: 'work', primary: true },
      { value: `user${i}@home.example.org`, type: 'home' },
    ],
    meta: { lastModified: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString() },
    [ENTERPRISE]: { employeeNumber: String(i) },
  }))
}

/** Runs the filter benchmark and prints its tables. */
export async function runFilterBench(): Promise<void> {
  const { compileFilter, parseFilter } = library
  const users = sampleUsers()
  const batch = 100
  const parsePairs = FILTERS.map(([name, text]) => ({
    name: `parse: ${name}`,
    batch,
    ours: () => {
      let last: unknown
      for (let i = 0; i < batch; i++) last = parseFilter(text)
      return last
    },
    baseline: () => {
      let last: unknown
      for (let i = 0; i < batch; i++) last = peerParse(text)
      return last
    },
  }))
  printPairs(
    'Filter parsing (ops/s = filters parsed per second)',
    'scim2-parse-filter',
    await measurePairs(parsePairs),
    3,
  )

  const evaluatePairs = FILTERS.map(([name, text]) => {
    const ours = compileFilter(parseFilter(text), { resourceType: 'User' })
    const theirs = peerCompile(peerParse(text))
    return {
      name: `evaluate: ${name}`,
      ours: () => users.filter(ours).length,
      baseline: () => users.filter(theirs).length,
    }
  })
  printPairs(
    `Filter evaluation (ops/s = passes over ${users.length} users per second)`,
    'scim2-parse-filter',
    await measurePairs(evaluatePairs),
    3,
  )

  // The peer is faster to be wrong: it compares userName case-sensitively and dateTimes as strings.
  const differences = FILTERS.flatMap(([name, text]) => {
    const variant = text
      .replace('user42@example.com', 'USER42@example.com')
      .replace('"2024-03-01T00:00:00Z"', '"2024-03-01T02:00:00+02:00"')
    const ours = users.filter(compileFilter(parseFilter(variant), { resourceType: 'User' })).length
    const theirs = users.filter(peerCompile(peerParse(variant))).length
    return ours === theirs
      ? []
      : [`  ${name}: ${variant}  -> express-scim ${ours} users, scim2-parse-filter ${theirs}`]
  })
  if (differences.length > 0) {
    console.log('Semantics (same data, case or offset varied; RFC 7643 says userName is not case-exact):')
    for (const line of differences) console.log(line)
  }
}
