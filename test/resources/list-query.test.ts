// Unit tests of list parameters (RFC 7644 §3.4.2): integer parsing and clamping, sort order, attribute lists, /.search bodies.
import {
  listParametersFromQuery,
  listParametersFromSearch,
  projectionFromQuery,
  SEARCH_REQUEST_SCHEMA,
} from '../../lib/resources/list-query'
import { expectScimError } from '../helpers/expect-scim-error'

const fromQuery = (query: string) => listParametersFromQuery(new URLSearchParams(query))

describe('listParametersFromQuery: defaults', () => {
  it('has startIndex 1, ascending, and nothing else when no parameter is given', () => {
    expect(fromQuery('')).toEqual({ startIndex: 1, sortOrder: 'ascending' })
  })

  it('treats empty values as absent', () => {
    expect(fromQuery('startIndex=&count=&sortOrder=&sortBy=&attributes=&excludedAttributes=')).toEqual({
      startIndex: 1,
      sortOrder: 'ascending',
    })
  })

  it('reads every parameter', () => {
    expect(
      fromQuery(
        'filter=userName%20eq%20%22a%22&sortBy=name.givenName&sortOrder=descending&startIndex=11&count=5' +
          '&attributes=userName,emails&excludedAttributes=groups',
      ),
    ).toEqual({
      filter: 'userName eq "a"',
      sortBy: 'name.givenName',
      sortOrder: 'descending',
      startIndex: 11,
      count: 5,
      attributes: ['userName', 'emails'],
      excludedAttributes: ['groups'],
    })
  })

  it('keeps an empty filter as given, for the parser to refuse', () => {
    expect(fromQuery('filter=').filter).toBe('')
  })
})

describe('listParametersFromQuery: startIndex and count', () => {
  it.each([
    ['1', 1],
    ['7', 7],
    ['+3', 3],
    [' 42 ', 42],
    ['007', 7],
    ['0', 1],
    ['-5', 1],
    ['-0', 1],
  ])('reads startIndex=%j as %d (values below 1 read as 1)', (raw, expected) => {
    expect(fromQuery(`startIndex=${encodeURIComponent(raw)}`).startIndex).toBe(expected)
  })

  it.each([
    ['0', 0],
    ['10', 10],
    ['-1', 0],
    ['-100', 0],
  ])('reads count=%j as %d (negative counts read as 0)', (raw, expected) => {
    expect(fromQuery(`count=${raw}`).count).toBe(expected)
  })

  it.each(['1e3', '0x10', '1.5', 'abc', '1 0', '١٢', 'Infinity', 'NaN', '--1', '1-', '10abc', ' '])(
    'answers 400 invalidValue for startIndex=%j and count=%j',
    (raw) => {
      const encoded = encodeURIComponent(raw)
      const start = expectScimError(() => fromQuery(`startIndex=${encoded}`), 400, 'invalidValue')
      expect(start.message).toContain('startIndex')
      const count = expectScimError(() => fromQuery(`count=${encoded}`), 400, 'invalidValue')
      expect(count.message).toContain('count')
    },
  )

  it('clamps huge digit strings to MAX_SAFE_INTEGER', () => {
    const huge = '9'.repeat(30)
    expect(fromQuery(`startIndex=${huge}&count=${huge}`)).toMatchObject({
      startIndex: Number.MAX_SAFE_INTEGER,
      count: Number.MAX_SAFE_INTEGER,
    })
  })

  it('clamps digit strings too long for a double, both ways', () => {
    const huge = '9'.repeat(400)
    expect(fromQuery(`startIndex=${huge}`).startIndex).toBe(Number.MAX_SAFE_INTEGER)
    expect(fromQuery(`count=-${huge}`).count).toBe(0)
    expect(fromQuery(`startIndex=-${huge}`).startIndex).toBe(1)
  })

  it('refuses a digit string longer than the parser reads, rather than spending time on it', () => {
    expectScimError(() => fromQuery(`count=${'9'.repeat(5000)}`), 400, 'invalidValue')
  })
})

describe('listParametersFromQuery: names and repetition', () => {
  it('reads parameter names case-insensitively', () => {
    expect(
      fromQuery('STARTINDEX=3&Count=4&sortorder=DESCENDING&SORTBY=userName&Filter=x&ATTRIBUTES=a'),
    ).toEqual({
      startIndex: 3,
      count: 4,
      sortOrder: 'descending',
      sortBy: 'userName',
      filter: 'x',
      attributes: ['a'],
    })
    expect(fromQuery('EXCLUDEDATTRIBUTES=emails&Cursor=')).toEqual({
      startIndex: 1,
      sortOrder: 'ascending',
      excludedAttributes: ['emails'],
      cursor: '',
    })
  })

  it.each([
    'count=1&count=2',
    'count=1&COUNT=1',
    'startIndex=1&startindex=2',
    'filter=a&filter=b',
    'sortOrder=ascending&sortOrder=ascending',
    'attributes=a&Attributes=b',
    'excludedAttributes=a&EXCLUDEDattributes=b',
    'sortBy=userName&sortby=userName',
  ])('answers 400 for the repeated parameter in %s', (query) => {
    expectScimError(() => fromQuery(query), 400, 'invalidValue')
  })

  it('ignores unknown parameters', () => {
    expect(fromQuery('foo=1&access_token=secret')).toEqual({ startIndex: 1, sortOrder: 'ascending' })
  })
})

describe('listParametersFromQuery: sortOrder', () => {
  it.each([
    ['ascending', 'ascending'],
    ['ASCENDING', 'ascending'],
    ['Descending', 'descending'],
    ['descending', 'descending'],
  ])('reads sortOrder=%s', (raw, expected) => {
    expect(fromQuery(`sortOrder=${raw}`).sortOrder).toBe(expected)
  })

  it.each(['asc', 'desc', 'up', ' ascending', 'ascending '])(
    'answers 400 invalidValue for sortOrder=%j',
    (raw) => {
      expectScimError(() => fromQuery(`sortOrder=${encodeURIComponent(raw)}`), 400, 'invalidValue')
    },
  )
})

describe('listParametersFromQuery: attribute lists', () => {
  it('splits on commas, trims, and drops empty names', () => {
    expect(fromQuery('attributes=%20userName%20,,name.givenName,%20').attributes).toEqual([
      'userName',
      'name.givenName',
    ])
  })

  it('leaves the list out when every name is empty', () => {
    expect(fromQuery('attributes=,,%20,').attributes).toBeUndefined()
  })

  it('keeps URN-qualified names whole', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber'
    expect(fromQuery(`excludedAttributes=${encodeURIComponent(urn)},emails`).excludedAttributes).toEqual([
      urn,
      'emails',
    ])
  })
})

describe('listParametersFromSearch', () => {
  it('reads a search body with numbers and arrays', () => {
    expect(
      listParametersFromSearch({
        schemas: [SEARCH_REQUEST_SCHEMA],
        filter: 'userName sw "a"',
        sortBy: 'userName',
        sortOrder: 'Descending',
        startIndex: 2,
        count: 20,
        attributes: ['userName', ' emails '],
        excludedAttributes: ['groups'],
      }),
    ).toEqual({
      filter: 'userName sw "a"',
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 2,
      count: 20,
      attributes: ['userName', 'emails'],
      excludedAttributes: ['groups'],
    })
  })

  it('accepts the search schema in any case, and no schemas at all', () => {
    expect(listParametersFromSearch({ schemas: [SEARCH_REQUEST_SCHEMA.toUpperCase()], count: 1 }).count).toBe(
      1,
    )
    expect(listParametersFromSearch({ count: 1 }).count).toBe(1)
  })

  it.each<[string, unknown]>([
    ['another schema', ['urn:ietf:params:scim:api:messages:2.0:PatchOp']],
    ['an empty list', []],
    ['a string', SEARCH_REQUEST_SCHEMA],
    ['null', null],
  ])('answers 400 invalidSyntax when schemas is %s', (_, schemas) => {
    expectScimError(() => listParametersFromSearch({ schemas, count: 1 }), 400, 'invalidSyntax')
  })

  it('reads member names case-insensitively', () => {
    expect(listParametersFromSearch({ StartIndex: 4, COUNT: 2, sortorder: 'descending' })).toEqual({
      startIndex: 4,
      count: 2,
      sortOrder: 'descending',
    })
    expect(
      listParametersFromSearch({ SORTBY: 'userName', ExcludedAttributes: ['emails'], FILTER: 'x' }),
    ).toEqual({
      startIndex: 1,
      sortOrder: 'ascending',
      sortBy: 'userName',
      excludedAttributes: ['emails'],
      filter: 'x',
    })
  })

  it('clamps numbers as the query string does', () => {
    expect(listParametersFromSearch({ startIndex: -3, count: -1 })).toMatchObject({ startIndex: 1, count: 0 })
    expect(listParametersFromSearch({ startIndex: 1e300 }).startIndex).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('accepts numbers written as decimal strings', () => {
    expect(listParametersFromSearch({ startIndex: '3', count: '4' })).toMatchObject({
      startIndex: 3,
      count: 4,
    })
  })

  it.each<[string, Record<string, unknown>]>([
    ['a fractional count', { count: 1.5 }],
    ['a NaN count', { count: Number.NaN }],
    ['an infinite startIndex', { startIndex: Number.POSITIVE_INFINITY }],
    ['a boolean count', { count: true }],
    ['an object startIndex', { startIndex: {} }],
    ['an exponent string', { count: '1e3' }],
    ['a number filter', { filter: 5 }],
    ['an array sortBy', { sortBy: ['userName'] }],
    ['a number sortOrder', { sortOrder: 1 }],
    ['attributes with a number', { attributes: ['userName', 1] }],
    ['attributes as an object', { attributes: { userName: true } }],
  ])('answers 400 invalidValue for %s', (_, body) => {
    expectScimError(() => listParametersFromSearch(body), 400, 'invalidValue')
  })

  it('accepts a comma-separated attributes string too', () => {
    expect(listParametersFromSearch({ attributes: 'userName,emails' }).attributes).toEqual([
      'userName',
      'emails',
    ])
  })

  it('treats null members as absent', () => {
    expect(listParametersFromSearch({ filter: null, count: null, attributes: null })).toEqual({
      startIndex: 1,
      sortOrder: 'ascending',
    })
  })

  it('never reads inherited members', () => {
    const body = Object.create({ count: 7, filter: 'x' }) as Record<string, unknown>
    expect(listParametersFromSearch(body)).toEqual({ startIndex: 1, sortOrder: 'ascending' })
  })
})

describe('projectionFromQuery', () => {
  it('reads attributes and excludedAttributes only', () => {
    expect(projectionFromQuery(new URLSearchParams('attributes=userName&count=5&filter=x'))).toEqual({
      attributes: ['userName'],
    })
    expect(projectionFromQuery(new URLSearchParams('EXCLUDEDATTRIBUTES=emails,groups'))).toEqual({
      excludedAttributes: ['emails', 'groups'],
    })
  })

  it('is empty without them, and ignores bad list parameters it does not read', () => {
    expect(projectionFromQuery(new URLSearchParams('count=abc&startIndex=1e3'))).toEqual({})
  })

  it('answers 400 for a repeated attributes parameter', () => {
    expectScimError(
      () => projectionFromQuery(new URLSearchParams('attributes=a&attributes=b')),
      400,
      'invalidValue',
    )
  })
})
