// `{{name}}` placeholders: captured values and `{{run}}` filled into paths, bodies and expectations.
import { RESERVED, substitute, substituteString } from '../../lib/check/substitute'

const vars = new Map<string, unknown>([
  ['run', '1234567890'],
  ['id', 'a b/c?d'],
  ['count', 3],
  ['flag', false],
  ['obj', { value: 'x' }],
])

describe('substituteString', () => {
  it('fills every placeholder, raw in bodies and percent-encoded in paths', () => {
    expect(substituteString('user.{{run}}@x/{{id}}', vars, false)).toBe('user.1234567890@x/a b/c?d')
    expect(substituteString('/Users/{{id}}?n={{count}}', vars, true)).toBe('/Users/a%20b%2Fc%3Fd?n=3')
  })

  it('leaves {{any}} and {{absent}} alone: they belong to the matcher', () => {
    expect([...RESERVED].sort()).toEqual(['absent', 'any'])
    expect(substituteString('{{any}}/Users/{{run}}', vars, false)).toBe('{{any}}/Users/1234567890')
    expect(substituteString('{{absent}}', vars, true)).toBe('{{absent}}')
  })

  it('refuses a name no step captured, naming it', () => {
    expect(() => substituteString('/Users/{{userId}}', vars, true)).toThrow(
      '{{userId}} is used before any step captured it',
    )
  })

  it('leaves text that only looks like a placeholder', () => {
    expect(substituteString('{{ run }} {{1x}} {run} {{}}', vars, false)).toBe('{{ run }} {{1x}} {run} {{}}')
  })

  it('does not substitute inside a substituted value', () => {
    const tricky = new Map<string, unknown>([
      ['a', '{{b}}'],
      ['b', 'no'],
    ])
    expect(substituteString('{{a}}', tricky, false)).toBe('{{b}}')
  })
})

describe('substitute', () => {
  it('walks objects and arrays, and keeps keys as they are', () => {
    expect(
      substitute({ userName: 'u.{{run}}', emails: [{ value: 'e.{{run}}' }], '{{run}}': 1 }, vars),
    ).toEqual({ userName: 'u.1234567890', emails: [{ value: 'e.1234567890' }], '{{run}}': 1 })
  })

  it('gives a string that is only a placeholder the captured value itself, not its text', () => {
    expect(substitute({ n: '{{count}}', f: '{{flag}}', o: '{{obj}}' }, vars)).toEqual({
      n: 3,
      f: false,
      o: { value: 'x' },
    })
    expect(substitute('n={{count}}', vars)).toBe('n=3')
  })

  it('keeps numbers, booleans and null', () => {
    expect(substitute([1, true, null], vars)).toEqual([1, true, null])
  })

  it('keeps {{any}} and {{absent}} for the matcher, also as whole strings', () => {
    expect(substitute({ id: '{{any}}', password: '{{absent}}' }, vars)).toEqual({
      id: '{{any}}',
      password: '{{absent}}',
    })
  })

  it('refuses an uncaptured name, also as a whole string', () => {
    expect(() => substitute({ id: '{{userId}}' }, vars)).toThrow(
      '{{userId}} is used before any step captured it',
    )
  })

  it('does not change the value it was given', () => {
    const template = { a: ['{{run}}'] }
    substitute(template, vars)
    expect(template).toEqual({ a: ['{{run}}'] })
  })
})
