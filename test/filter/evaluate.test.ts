// Unit tests of compileFilter / matchesFilter: schema-aware semantics on the RFC examples and the edge cases.
import { compileFilter, isPresent, matchesFilter } from '../../lib/filter/evaluate'
import { parseFilter } from '../../lib/filter/parser'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { EXPECTED_MATCHES, RFC_FILTER_EXAMPLES, USERS } from '../fixtures/rfc7644-filters'
import { expectScimError } from '../helpers/expect-scim-error'

const matches = (filter: string, resource: unknown, resourceType = 'User') =>
  matchesFilter(parseFilter(filter), resource, { resourceType })

describe('matchesFilter: RFC 7644 §3.4.2.2 examples', () => {
  it.each(RFC_FILTER_EXAMPLES)('%s', (filter) => {
    const predicate = compileFilter(parseFilter(filter), { resourceType: 'User' })
    expect(USERS.filter(predicate).map((u) => u.id)).toEqual(EXPECTED_MATCHES[filter])
  })
})

describe('matchesFilter: schema semantics', () => {
  const user = {
    id: 'AbC-1',
    externalId: 'Ext-1',
    userName: 'BJensen',
    displayName: 'Babs',
    active: true,
    name: { givenName: 'Barbara' },
    emails: [
      { value: 'BJ@Example.com', type: 'work', primary: true },
      { value: 'home@example.org', type: 'home' },
    ],
    meta: { created: '2024-01-01T00:00:00Z', lastModified: '2024-06-01T12:00:00.250Z', version: 'W/"a"' },
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
      employeeNumber: '42',
      manager: { value: 'Mgr-1', displayName: 'Boss' },
    },
  }

  it('compares userName case-insensitively and id / externalId case-exactly', () => {
    expect(matches('userName eq "bjensen"', user)).toBe(true)
    expect(matches('USERNAME EQ "BJENSEN"', user)).toBe(true)
    expect(matches('id eq "abc-1"', user)).toBe(false)
    expect(matches('id eq "AbC-1"', user)).toBe(true)
    expect(matches('externalId eq "ext-1"', user)).toBe(false)
    expect(matches('externalId eq "Ext-1"', user)).toBe(true)
  })

  it('resolves URN-qualified core and extension attributes', () => {
    expect(matches('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"', user)).toBe(true)
    expect(
      matches('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42"', user),
    ).toBe(true)
    expect(
      matches('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "Mgr-1"', user),
    ).toBe(true)
    // manager.value holds a User id, so the library makes it case-exact like `id`.
    expect(
      matches('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "mgr-1"', user),
    ).toBe(false)
    expect(matches('employeeNumber eq "42"', user)).toBe(true)
  })

  it('matches a multi-valued attribute when any element matches', () => {
    expect(matches('emails.value co "example.org"', user)).toBe(true)
    expect(matches('emails.type eq "home"', user)).toBe(true)
    expect(matches('emails[type eq "home" and value co "example.com"]', user)).toBe(false)
    expect(matches('emails[type eq "work"].value eq "bj@example.com"', user)).toBe(true)
    expect(matches('emails[primary eq true].value sw "bj"', user)).toBe(true)
  })

  it('treats ne as the negation of eq, including for missing and multi-valued attributes', () => {
    expect(matches('title ne "x"', user)).toBe(true)
    expect(matches('emails.type ne "home"', user)).toBe(false)
    expect(matches('emails.type ne "other"', user)).toBe(true)
    expect(matches('userName ne "BJENSEN"', user)).toBe(false)
  })

  it('compares dateTimes as instants, whatever the offset and precision', () => {
    expect(matches('meta.lastModified gt "2024-06-01T12:00:00Z"', user)).toBe(true)
    expect(matches('meta.lastModified eq "2024-06-01T14:00:00.25+02:00"', user)).toBe(true)
    expect(matches('meta.created lt "2024-01-01T00:00:00.001Z"', user)).toBe(true)
    expect(matches('meta.created ge "2024-01-01T00:00:00"', user)).toBe(true)
  })

  it('never matches a value of the wrong type stored in a resource', () => {
    expect(matches('active eq true', { active: 'true' })).toBe(false)
    expect(matches('meta.created gt "2020-01-01T00:00:00Z"', { meta: { created: 'yesterday' } })).toBe(false)
    expect(matches('userName eq "1"', { userName: 1 })).toBe(false)
  })

  it('reads Entra\'s "True" / "False" strings in a filter by their meaning', () => {
    expect(matches('active eq "False"', { active: false })).toBe(true)
    expect(matches('active eq "False"', { active: true })).toBe(false)
  })

  it('never throws on a missing or oddly shaped attribute', () => {
    for (const resource of [
      {},
      null,
      undefined,
      42,
      'x',
      [],
      { emails: 'x' },
      { name: [] },
      { emails: [null, 1] },
    ]) {
      expect(
        matches(
          'emails[type eq "work"] or name.givenName sw "a" or meta.created gt "2020-01-01T00:00:00Z"',
          resource,
        ),
      ).toBe(false)
    }
  })

  it('defines pr as a non-empty value', () => {
    expect(isPresent('')).toBe(false)
    expect(isPresent([])).toBe(false)
    expect(isPresent([null, ''])).toBe(false)
    expect(isPresent({ value: '' })).toBe(false)
    expect(isPresent({ value: 'x' })).toBe(true)
    expect(isPresent(false)).toBe(true)
    expect(isPresent(0)).toBe(true)
    expect(matches('emails pr', { emails: [] })).toBe(false)
    expect(matches('name pr', { name: { givenName: '' } })).toBe(false)
    expect(matches('displayName pr', user)).toBe(true)
  })

  it('gives eq null and ne null the meaning of "not present" and "present"', () => {
    expect(matches('title eq null', user)).toBe(true)
    expect(matches('title ne null', user)).toBe(false)
    expect(matches('displayName eq null', user)).toBe(false)
  })

  it('reads attribute names case-insensitively in the resource too, but only its own properties', () => {
    expect(matches('userName eq "x"', { USERNAME: 'x' })).toBe(true)
    const inherited = Object.create({ userName: 'x' })
    expect(matches('userName eq "x"', inherited)).toBe(false)
    expect(matches('displayName pr', { ['__proto__']: { displayName: 'x' } })).toBe(false)
  })

  it('filters Groups by members', () => {
    const group = { displayName: 'Ops', members: [{ value: 'u1' }, { value: 'u2', display: 'Ann' }] }
    expect(matches('members[value eq "u2"]', group, 'Group')).toBe(true)
    expect(matches('members.value eq "U2"', group, 'Group')).toBe(false)
    expect(matches('displayName eq "ops"', group, 'Group')).toBe(true)
  })

  it('resolves against every resource type when none is given', () => {
    expect(matchesFilter(parseFilter('members pr'), { members: [{ value: 'a' }] })).toBe(true)
    expect(matchesFilter(parseFilter('userName eq "a"'), { userName: 'A' })).toBe(true)
  })

  it('resolves a host extension registered in the registry', () => {
    const urn = 'urn:acme:params:scim:schemas:extension:2.0:User'
    const registry = createSchemaRegistry({
      extensions: [
        {
          resourceType: 'User',
          schema: { id: urn, attributes: [{ name: 'badge', type: 'string', caseExact: true }] },
        },
      ],
    })
    const resource = { [urn]: { badge: 'B-7' } }
    const filter = parseFilter(`${urn}:badge eq "B-7"`)
    expect(matchesFilter(filter, resource, { registry, resourceType: 'User' })).toBe(true)
    expect(matchesFilter(parseFilter('badge eq "b-7"'), resource, { registry, resourceType: 'User' })).toBe(
      false,
    )
  })
})

describe('compileFilter: invalidFilter for what makes no sense', () => {
  it.each([
    ['active gt true', 'is not defined for boolean attributes'],
    ['active eq "yes"', 'needs true or false'],
    ['x509Certificates.value gt "a"', 'is not defined for binary attributes'],
    ['meta.created co "2024"', 'is not defined for dateTime attributes'],
    ['meta.created gt "last week"', 'needs a dateTime string'],
    ['userName eq 5', 'needs a string'],
    ['userName gt null', 'cannot compare with null'],
    ['name eq "x"', "Cannot compare the complex attribute 'name'"],
    ['password eq "secret"', "The attribute 'password' cannot be used in a filter"],
    ['nickname.x eq "y"', "Unknown attribute 'nickname.x'"],
    ['bogus pr', "Unknown attribute 'bogus'"],
    ['urn:acme:unknown:User:userName eq "x"', "Unknown attribute 'urn:acme:unknown:User:userName'"],
    ['emails[bogus eq "x"]', "Unknown attribute 'bogus' inside 'emails[...]'"],
    ['userName[value eq "x"]', 'needs a complex attribute'],
  ])('%s -> %s', (filter, message) => {
    const error = expectScimError(
      () => compileFilter(parseFilter(filter), { resourceType: 'User' }),
      400,
      'invalidFilter',
    )
    expect(error.message).toContain(message)
  })

  it('compiles once and reuses the predicate', () => {
    const predicate = compileFilter(parseFilter('userName eq "a"'), { resourceType: 'User' })
    expect([{ userName: 'A' }, { userName: 'b' }].map(predicate)).toEqual([true, false])
  })
})

describe('values that a database could not hold are invalidFilter in memory too', () => {
  const compile = (filter: string, registry = createSchemaRegistry()) =>
    compileFilter(parseFilter(filter), { resourceType: 'User', registry })

  it.each([
    ['meta.created gt "0000-06-01T00:00:00Z"', 'between years 0001 and 9999'],
    ['meta.created lt "9999-12-31T23:00:00-02:00"', 'between years 0001 and 9999'],
    ['userName eq "a\\u0000b"', 'U+0000'],
  ])('%s', (filter, message) => {
    expect(expectScimError(() => compile(filter), 400, 'invalidFilter').message).toContain(message)
  })

  it('refuses integers beyond 2^53 for integer attributes', () => {
    const urn = 'urn:acme:params:scim:schemas:extension:2.0:User'
    const registry = createSchemaRegistry({
      extensions: [
        { resourceType: 'User', schema: { id: urn, attributes: [{ name: 'level', type: 'integer' }] } },
      ],
    })
    expectScimError(() => compile(`${urn}:level eq 1e21`, registry), 400, 'invalidFilter')
    expect(() => compile(`${urn}:level eq 9007199254740991`, registry)).not.toThrow()
  })
})

describe('robustness on odd stored data', () => {
  it('reads a huge array where a single value belongs without overflowing the stack', () => {
    const resource = { emails: [{ value: Array(300_000).fill('x') }] }
    expect(matches('emails.value eq "y"', resource)).toBe(false)
    expect(matches('emails.value eq "x"', resource)).toBe(true)
  })

  it('counts a complex attribute as present only through objects, as SQL sees it', () => {
    expect(matches('emails pr', { emails: ['a@x.com'] })).toBe(false)
    expect(matches('name pr', { name: 'Barbara' })).toBe(false)
    expect(matches('emails pr', { emails: [{ value: 'a@x.com' }] })).toBe(true)
  })
})

describe('case-insensitive strings compare by foldCase() (issue 10 item 2)', () => {
  it.each([
    ['userName eq "odysseus-οδοσ"', { userName: 'ODYSSEUS-ΟΔΟΣ' }, true],
    ['userName eq "ODYSSEUS-ΟΔΟΣ"', { userName: 'odysseus-οδος' }, true],
    ['userName ew "οσ"', { userName: 'Οδος' }, true],
    ['userName co "ΟΣ-"', { userName: 'οδος-1' }, true],
    ['userName eq "İlker"', { userName: 'i\u0307lker' }, true],
    ['userName eq "ilker"', { userName: 'İlker' }, false],
    ['userName eq "ılker"', { userName: 'ILKER' }, false],
    ['userName eq "groß"', { userName: 'GROẞ' }, true],
    ['userName eq "gross"', { userName: 'GROẞ' }, false],
    ['userName eq "ｆｕｌｌ"', { userName: 'ＦＵＬＬ' }, true],
    ['userName eq "full"', { userName: 'ＦＵＬＬ' }, false],
    ['userName eq "josé"', { userName: 'JOSE\u0301' }, false],
    ['userName eq "jose\u0301"', { userName: 'JOSE\u0301' }, true],
    ['userName gt "οδοσ"', { userName: 'ΟΔΟΣ' }, false],
    ['userName ge "οδοσ"', { userName: 'ΟΔΟΣ' }, true],
    ['userName lt "οδοσ"', { userName: 'ΟΔΟΣ' }, false],
    ['externalId eq "οδοσ"', { externalId: 'οδος' }, false],
  ] as const)('%s on %j is %p', (filter, resource, expected) => {
    expect(matches(filter, resource)).toBe(expected)
  })
})

describe('dialect', () => {
  const strict = (filter: string) =>
    compileFilter(parseFilter(filter), { resourceType: 'User', dialect: 'strict' })

  it('reads "True" / "False" for a boolean by default (lenient) and refuses them under strict', () => {
    expect(
      matchesFilter(
        parseFilter('active eq "False"'),
        { active: false },
        { resourceType: 'User', dialect: 'lenient' },
      ),
    ).toBe(true)
    for (const filter of [
      'active eq "False"',
      'active ne "true"',
      'emails[primary eq "True"]',
      'emails.primary eq "false"',
    ]) {
      expect(expectScimError(() => strict(filter), 400, 'invalidFilter').message).toContain('true or false')
    }
    expect(strict('active eq false')({ active: false })).toBe(true)
    expect(strict('userName eq "True"')({ userName: 'true' })).toBe(true)
  })

  it('is checked: anything but lenient or strict is a TypeError naming the option', () => {
    expect(() => compileFilter(parseFilter('active eq true'), { dialect: 'loose' as never })).toThrow(
      /dialect/,
    )
    expect(() => compileFilter(parseFilter('active eq true'), { dialect: 'loose' as never })).toThrow(
      TypeError,
    )
  })
})
