// The check engine's answer matching: subset bodies, {{any}} / {{absent}}, unordered arrays, headers, dotted paths.
import { ABSENT, ANY, bodyMismatches, headerMismatches, show, valueAt } from '../../lib/check/match'
import type { CheckJson } from '../../types/check'

const body = (expected: CheckJson, actual: unknown) => bodyMismatches(expected, actual, 'body')

describe('show', () => {
  it('names values as JSON, and nothing as nothing', () => {
    expect(show('a')).toBe('"a"')
    expect(show({ a: [1, null] })).toBe('{"a":[1,null]}')
    expect(show(undefined)).toBe('nothing')
  })

  it('cuts a long value at 200 characters with a mark', () => {
    const text = show('x'.repeat(500))
    expect(text).toHaveLength(201)
    expect(text.endsWith('…')).toBe(true)
  })
})

describe('bodyMismatches', () => {
  it('accepts a subset: objects need only the keys given', () => {
    expect(body({ id: 'a' }, { id: 'a', userName: 'b', meta: {} })).toEqual([])
    expect(body({ name: { givenName: 'A' } }, { name: { givenName: 'A', familyName: 'B' } })).toEqual([])
  })

  it('names the path and both values of each difference', () => {
    expect(
      body({ name: { givenName: 'A' }, active: true }, { name: { givenName: 'B' }, active: 'true' }),
    ).toEqual(['body.name.givenName: expected "A", got "B"', 'body.active: expected true, got "true"'])
    expect(body({ userName: 'a' }, {})).toEqual(['body.userName: expected "a", got nothing'])
  })

  it('tells types apart: number vs string, object vs array, null vs missing', () => {
    expect(body({ totalResults: 1 }, { totalResults: '1' })).toEqual([
      'body.totalResults: expected 1, got "1"',
    ])
    expect(body({ name: {} }, { name: [] })).toEqual(['body.name: expected an object, got []'])
    expect(body({ emails: [] }, { emails: {} })).toEqual(['body.emails: expected an array, got {}'])
    expect(body({ nickName: null }, {})).toEqual(['body.nickName: expected null, got nothing'])
  })

  it('matches arrays in length and in any order (multi-valued attributes have none), each element to a distinct one', () => {
    expect(body({ a: [1, 2] }, { a: [1, 2] })).toEqual([])
    expect(body({ a: [1, 2] }, { a: [2, 1] })).toEqual([])
    expect(body({ a: [1] }, { a: [1, 2] })).toEqual(['body.a: expected 1 element(s), got 2: [1,2]'])
    expect(body({ a: [{ value: 'x' }] }, { a: [{ value: 'x', display: 'X' }] })).toEqual([])
    const actual = { members: [{ value: 'b' }, { value: 'a' }] }
    expect(body({ members: [{ value: 'a' }, { value: 'b' }] }, actual)).toEqual([])
    // A subset element that fits either actual element must not take the only one the other needs.
    expect(body({ members: [{}, { value: 'b' }] }, actual)).toEqual([])
  })

  it('says what differs element by element when no order matches', () => {
    expect(body({ a: [1, 3] }, { a: [1, 2] })).toEqual(['body.a[1]: expected 3, got 2'])
    expect(
      body({ members: [{ value: 'a' }, { value: 'a' }] }, { members: [{ value: 'b' }, { value: 'a' }] }),
    ).toEqual(['body.members[0].value: expected "a", got "b"'])
    expect(body({ members: [] }, { members: [{ value: 'a' }] })).toEqual([
      'body.members: expected 0 element(s), got 1: [{"value":"a"}]',
    ])
  })

  it('finds an attribute in another case (RFC 7643 §2.1), and says so by the expected name when it is missing', () => {
    expect(
      body({ userName: 'a', name: { givenName: 'B' } }, { USERNAME: 'a', Name: { givenname: 'B' } }),
    ).toEqual([])
    expect(body({ userName: 'a' }, { UserName: 'b' })).toEqual(['body.userName: expected "a", got "b"'])
    expect(body({ userName: 'a' }, {})).toEqual(['body.userName: expected "a", got nothing'])
  })

  it(`takes ${ANY} alone as "present with any value"`, () => {
    expect(body({ id: ANY }, { id: 'x' })).toEqual([])
    expect(body({ id: ANY }, { id: { deep: [1] } })).toEqual([])
    expect(body({ id: ANY }, {})).toEqual(['body.id: expected a value, got nothing'])
  })

  it(`takes a string holding ${ANY} as a pattern, the rest literal (regex characters included)`, () => {
    expect(body({ location: `${ANY}/Users/1` }, { location: 'https://h/scim/Users/1' })).toEqual([])
    expect(body({ version: `W/"${ANY}"` }, { version: 'W/"abc"' })).toEqual([])
    expect(body({ version: `W/"${ANY}"` }, { version: '"abc"' })).toEqual([
      'body.version: expected a string like "W/\\"{{any}}\\"", got "\\"abc\\""',
    ])
    // `.` and `+` in the pattern are literal characters, not regex operators.
    expect(body({ v: `a.b+${ANY}` }, { v: 'a.b+c' })).toEqual([])
    expect(body({ v: `a.b+${ANY}` }, { v: 'aXbbc' })).toHaveLength(1)
    // The whole string must match, not a part of it.
    expect(body({ v: `${ANY}/Users` }, { v: '/Users/1' })).toHaveLength(1)
    // Only strings match a pattern.
    expect(body({ v: `1${ANY}` }, { v: 12 })).toHaveLength(1)
  })

  it(`takes ${ABSENT} as "not present", in any case of the name (RFC 7643 §2.1)`, () => {
    expect(body({ password: ABSENT }, { userName: 'a' })).toEqual([])
    expect(body({ password: ABSENT }, { password: 'secret-but-shown' })).toEqual([
      'body.password: expected absent, got "secret-but-shown"',
    ])
    expect(body({ password: ABSENT }, { PassWord: 'x' })).toEqual(['body.PassWord: expected absent, got "x"'])
  })

  it('reports every difference, not just the first', () => {
    expect(body({ a: 1, b: 2, c: [3] }, { a: 0, b: 0, c: [0] })).toHaveLength(3)
  })

  it('keeps a problem line short however large the answer is', () => {
    const [line] = body({ a: 'x' }, { a: 'y'.repeat(100_000) })
    expect(line?.length).toBeLessThan(300)
  })
})

describe('headerMismatches', () => {
  const vars = new Map<string, unknown>([['id', 'u-1']])

  it('matches names case-insensitively (headers arrive lower-case) and values as prefixes', () => {
    const got = { 'content-type': 'application/scim+json; charset=utf-8' }
    expect(headerMismatches({ 'Content-Type': 'application/scim+json' }, got, vars)).toEqual([])
    expect(headerMismatches({ 'Content-Type': 'application/json' }, got, vars)).toEqual([
      'header Content-Type: expected to start with "application/json", got "application/scim+json; charset=utf-8"',
    ])
  })

  it('reports a missing header', () => {
    expect(headerMismatches({ Location: ANY }, {}, vars)).toEqual(['header Location: missing'])
  })

  it(`takes ${ANY} alone as present, ${ABSENT} as not present`, () => {
    expect(headerMismatches({ etag: ANY }, { etag: 'W/"1"' }, vars)).toEqual([])
    expect(headerMismatches({ 'WWW-Authenticate': ABSENT }, {}, vars)).toEqual([])
    expect(headerMismatches({ 'WWW-Authenticate': ABSENT }, { 'www-authenticate': 'Bearer' }, vars)).toEqual([
      'header WWW-Authenticate: expected absent, got "Bearer"',
    ])
  })

  it('fills captured values in, then matches a value holding {{any}} as a whole pattern', () => {
    const headers = { location: 'https://h/scim/v2/Users/u-1' }
    expect(headerMismatches({ location: `${ANY}/Users/{{id}}` }, headers, vars)).toEqual([])
    expect(
      headerMismatches({ location: `${ANY}/Users/{{id}}` }, { location: 'https://h/Users/u-2' }, vars),
    ).toEqual(['header location: expected like "{{any}}/Users/u-1", got "https://h/Users/u-2"'])
    // A pattern is anchored at the end: a longer path does not match.
    expect(
      headerMismatches({ location: `${ANY}/Users/{{id}}` }, { location: 'https://h/Users/u-1/x' }, vars),
    ).toHaveLength(1)
  })
})

describe('valueAt', () => {
  const answer = { id: 'a', Resources: [{ id: 'r0', emails: [{ value: 'e' }] }], meta: { location: 'l' } }

  it('follows dotted paths through objects and array indexes', () => {
    expect(valueAt(answer, 'id')).toBe('a')
    expect(valueAt(answer, 'meta.location')).toBe('l')
    expect(valueAt(answer, 'Resources.0.id')).toBe('r0')
    expect(valueAt(answer, 'Resources.0.emails.0.value')).toBe('e')
  })

  it('answers undefined for what is not there, and never reads inherited properties', () => {
    expect(valueAt(answer, 'Resources.1.id')).toBeUndefined()
    expect(valueAt(answer, 'nope.deeper')).toBeUndefined()
    expect(valueAt(answer, 'id.length')).toBeUndefined()
    expect(valueAt(answer, 'constructor')).toBeUndefined()
    expect(valueAt(answer, '__proto__')).toBeUndefined()
    expect(valueAt(undefined, 'id')).toBeUndefined()
  })
})
