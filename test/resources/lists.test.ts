import { parseOptions } from '../../lib/options'
import type { ListParameters } from '../../lib/resources/list-query'
import {
  checkedFilter,
  LIST_RESPONSE_SCHEMA,
  listQuery,
  listResponse,
  pageSize,
  ResponseBudget,
} from '../../lib/resources/lists'
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../../lib/schema/core'
import type { ScimRouterOptions } from '../../types/router'
import { expectScimError } from '../helpers/expect-scim-error'

const notCalled = () => {
  throw new Error('not called in these tests')
}

const config = parseOptions({
  userStore: { create: notCalled, get: notCalled, list: notCalled, update: notCalled, delete: notCalled },
  sessionRevoker: { revokeUserSessions: notCalled },
  authenticate: () => undefined,
  defaultCount: 25,
  maxResults: 200,
} as ScimRouterOptions)

const parameters = (extra: Partial<ListParameters> = {}): ListParameters => ({
  sortOrder: 'ascending',
  startIndex: 1,
  ...extra,
})

describe('listQuery: filter', () => {
  it('has no filter when none is given', () => {
    expect(listQuery(config, 'User', parameters())).toEqual({
      sortOrder: 'ascending',
      startIndex: 1,
      count: 25,
    })
  })

  it('passes the parsed filter AST, never the text', () => {
    const query = listQuery(
      config,
      'User',
      parameters({ filter: 'userName eq "bjensen" and active eq true' }),
    )
    expect(query.filter).toEqual({
      kind: 'and',
      filters: [
        {
          kind: 'comparison',
          path: { kind: 'attributePath', attribute: 'userName' },
          operator: 'eq',
          value: 'bjensen',
        },
        {
          kind: 'comparison',
          path: { kind: 'attributePath', attribute: 'active' },
          operator: 'eq',
          value: true,
        },
      ],
    })
  })

  it('uses an already parsed filter as given', () => {
    const filter = checkedFilter(config, 'User', 'displayName pr')
    const query = listQuery(config, 'User', parameters({ filter: 'this is not parsed' }), filter)
    expect(query.filter).toBe(filter)
  })

  it.each([
    ['a syntax error', 'userName eq'],
    ['an unknown attribute', 'favouriteColour eq "blue"'],
    ['password', 'password eq "hunter2"'],
    ['a type mismatch', 'active gt true'],
    ['an empty filter', ''],
  ])('answers 400 invalidFilter for %s', (_, filter) => {
    expectScimError(() => listQuery(config, 'User', parameters({ filter })), 400, 'invalidFilter')
  })

  it('checks the filter against the resource type asked for', () => {
    expect(listQuery(config, 'Group', parameters({ filter: 'members.value eq "u1"' })).filter).toBeDefined()
    expectScimError(() => listQuery(config, 'User', parameters({ filter: 'members.value eq "u1"' })), 400)
  })
})

describe('listQuery: sortBy', () => {
  it.each([
    ['userName', { kind: 'attributePath', attribute: 'userName' }],
    ['name.familyName', { kind: 'attributePath', attribute: 'name', subAttribute: 'familyName' }],
    ['emails.value', { kind: 'attributePath', attribute: 'emails', subAttribute: 'value' }],
    ['meta.lastModified', { kind: 'attributePath', attribute: 'meta', subAttribute: 'lastModified' }],
    [`${USER_SCHEMA}:userName`, { kind: 'attributePath', schema: USER_SCHEMA, attribute: 'userName' }],
    [
      `${ENTERPRISE_USER_SCHEMA}:employeeNumber`,
      { kind: 'attributePath', schema: ENTERPRISE_USER_SCHEMA, attribute: 'employeeNumber' },
    ],
  ])('resolves sortBy=%s to a path', (sortBy, path) => {
    expect(listQuery(config, 'User', parameters({ sortBy })).sortBy).toEqual(path)
  })

  it('keeps the spelling of the request (names are matched case-insensitively)', () => {
    expect(listQuery(config, 'User', parameters({ sortBy: 'USERNAME' })).sortBy).toEqual({
      kind: 'attributePath',
      attribute: 'USERNAME',
    })
  })

  it.each([
    ['an unknown attribute', 'favouriteColour'],
    ['an unknown sub-attribute', 'name.nickname'],
    ['a sub-attribute of a simple attribute', 'userName.value'],
    ['password', 'password'],
    ['password in another case', 'PassWord'],
    ['a value filter', 'emails[type eq "work"].value'],
    ['a bare extension URN', ENTERPRISE_USER_SCHEMA],
    ['a Group attribute on Users', 'members.value'],
  ])('answers 400 invalidValue for %s', (_, sortBy) => {
    expectScimError(() => listQuery(config, 'User', parameters({ sortBy })), 400, 'invalidValue')
  })

  it('answers 400 for a malformed sortBy', () => {
    const error = expectScimError(() => listQuery(config, 'User', parameters({ sortBy: '1abc' })), 400)
    expect(['invalidValue', 'invalidPath']).toContain(error.scimType)
  })

  it('passes the sort order through', () => {
    expect(
      listQuery(config, 'User', parameters({ sortBy: 'userName', sortOrder: 'descending' })),
    ).toMatchObject({
      sortOrder: 'descending',
    })
  })
})

describe('page size', () => {
  it.each([
    [undefined, 25],
    [0, 0],
    [10, 10],
    [200, 200],
    [201, 200],
    [Number.MAX_SAFE_INTEGER, 200],
  ])('reads count=%p as %d (default 25, cap 200)', (count, expected) => {
    const given = count === undefined ? parameters() : parameters({ count })
    expect(pageSize(config, given)).toBe(expected)
    expect(listQuery(config, 'User', given).count).toBe(expected)
  })

  it('passes startIndex through', () => {
    expect(listQuery(config, 'User', parameters({ startIndex: 51 })).startIndex).toBe(51)
  })
})

describe('listResponse', () => {
  it('has the RFC 7644 §3.4.2 shape', () => {
    const resources = [{ id: 'a' }, { id: 'b' }]
    expect(listResponse(12, 3, resources)).toEqual({
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 12,
      itemsPerPage: 2,
      startIndex: 3,
      Resources: resources,
    })
    expect(LIST_RESPONSE_SCHEMA).toBe('urn:ietf:params:scim:api:messages:2.0:ListResponse')
  })

  it('counts itemsPerPage from the page, not from what was asked', () => {
    expect(listResponse(0, 1, [])).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] })
  })
})

describe('ResponseBudget', () => {
  // '{"v":"…"}' is 8 bytes around the value; é is two bytes in UTF-8, one UTF-16 unit.
  const sized = (bytes: number, char = 'a') => ({ v: char.repeat((bytes - 8) / Buffer.byteLength(char)) })

  it('takes the first resource whatever its size, and nothing after one that used up the budget', () => {
    const budget = new ResponseBudget(100)
    expect(budget.take(sized(150))).toBe(JSON.stringify(sized(150)))
    expect(budget.admits(1)).toBe(false)
    expect(budget.take(sized(10))).toBeUndefined()
    expect(budget.closed).toBe(true)
  })

  it('counts the first resource in bytes once a second is offered', () => {
    const first = new ResponseBudget(100)
    first.take(sized(60, 'é'))
    expect(first.admits(40)).toBe(true)
    expect(first.admits(41)).toBe(false)
    expect(first.take(sized(42))).toBeUndefined()
    const second = new ResponseBudget(100)
    second.take(sized(60, 'é'))
    expect(second.take(sized(40, 'é'))).toBeDefined()
    expect(second.admits(0)).toBe(true)
    expect(second.take(sized(10))).toBeUndefined()
  })

  it('closes for good: once a resource is refused, a smaller one is refused too', () => {
    const budget = new ResponseBudget(100)
    budget.take(sized(50))
    expect(budget.take(sized(60))).toBeUndefined()
    expect(budget.take(sized(10))).toBeUndefined()
  })
})
