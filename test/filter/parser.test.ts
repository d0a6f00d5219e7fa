// Unit tests of parseFilter / parsePatchPath / stringifyFilter: the RFC examples, dialects, errors and limits.
import { createFilterParser, parseFilter, parsePatchPath } from '../../lib/filter/parser'
import { stringifyFilter, stringifyPatchPath } from '../../lib/filter/stringify'
import type { Filter } from '../../types/filter'
import { RFC_FILTER_EXAMPLES } from '../fixtures/rfc7644-filters'
import { expectScimError } from '../helpers/expect-scim-error'

const path = (attribute: string, subAttribute?: string, schema?: string) => ({
  kind: 'attributePath' as const,
  attribute,
  ...(subAttribute !== undefined ? { subAttribute } : {}),
  ...(schema !== undefined ? { schema } : {}),
})

describe('parseFilter: RFC 7644 §3.4.2.2 examples', () => {
  it.each(RFC_FILTER_EXAMPLES)('parses and round-trips %s', (text) => {
    const ast = parseFilter(text)
    expect(parseFilter(stringifyFilter(ast))).toEqual(ast)
  })

  it('gives the canonical text of each example back unchanged, except for redundant parentheses', () => {
    const canonical = RFC_FILTER_EXAMPLES.map((text) => stringifyFilter(parseFilter(text)))
    expect(canonical).toEqual(
      RFC_FILTER_EXAMPLES.map((text) => text.replace('(emails.type eq "work")', 'emails.type eq "work"')),
    )
  })

  it('builds the documented AST for a comparison', () => {
    expect(parseFilter('userName eq "bjensen"')).toEqual({
      kind: 'comparison',
      path: path('userName'),
      operator: 'eq',
      value: 'bjensen',
    })
  })

  it('splits URN-qualified names at the last colon, keeping dots of the URN', () => {
    expect(
      parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"'),
    ).toEqual({
      kind: 'comparison',
      path: path('manager', 'value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
      operator: 'eq',
      value: 'x',
    })
  })

  it('gives and precedence over or, and not over both', () => {
    const ast = parseFilter('a pr or b pr and not (c pr) or d pr')
    expect(ast).toEqual({
      kind: 'or',
      filters: [
        { kind: 'present', path: path('a') },
        {
          kind: 'and',
          filters: [
            { kind: 'present', path: path('b') },
            { kind: 'not', filter: { kind: 'present', path: path('c') } },
          ],
        },
        { kind: 'present', path: path('d') },
      ],
    })
  })

  it('keeps parenthesised groups as nested nodes', () => {
    const ast = parseFilter('(a pr or b pr) and c pr') as Extract<Filter, { kind: 'and' }>
    expect(ast.kind).toBe('and')
    expect(ast.filters[0]?.kind).toBe('or')
    expect(stringifyFilter(ast)).toBe('(a pr or b pr) and c pr')
  })

  it('reads keywords, operators and literals in any case', () => {
    expect(parseFilter('userName EQ "x" AND Active Eq TRUE OR NOT (title PR)')).toEqual(
      parseFilter('userName eq "x" and Active eq true or not (title pr)'),
    )
    expect(parseFilter('a eq NULL')).toEqual({
      kind: 'comparison',
      path: path('a'),
      operator: 'eq',
      value: null,
    })
  })

  it('decodes JSON string escapes', () => {
    const ast = parseFilter(String.raw`a eq "q\"b\\s\/\n\u00e9\ud83d\ude00"`)
    expect(ast).toMatchObject({ value: 'q"b\\s/\né😀' })
  })

  it('reads JSON numbers, keeping the sign of zero', () => {
    expect(parseFilter('a gt -1.5e3')).toMatchObject({ value: -1500 })
    expect(Object.is((parseFilter('a eq -0') as { value: number }).value, -0)).toBe(true)
    expect(stringifyFilter(parseFilter('a eq -0'))).toBe('a eq -0')
  })

  it("accepts Entra's value path with a trailing sub-attribute as an and inside the brackets", () => {
    const ast = parseFilter('emails[type eq "work"].value eq "bjensen@example.com"')
    expect(ast).toEqual(parseFilter('emails[type eq "work" and value eq "bjensen@example.com"]'))
    expect(parseFilter(stringifyFilter(ast))).toEqual(ast)
  })

  it('keeps the structure of a trailing sub-attribute after an and / or inside the brackets', () => {
    const ast = parseFilter('emails[type eq "work" or type eq "home"].value pr')
    expect(stringifyFilter(ast)).toBe('emails[(type eq "work" or type eq "home") and value pr]')
    expect(parseFilter(stringifyFilter(ast))).toEqual(ast)
  })

  it('accepts $ref as an attribute name inside value paths', () => {
    expect(parseFilter('members[$ref eq "https://x/Users/1"]')).toMatchObject({
      kind: 'valuePath',
      filter: { path: path('$ref') },
    })
  })

  it('accepts tabs and line breaks as white space', () => {
    expect(parseFilter('userName\teq\n"x"')).toEqual(parseFilter('userName eq "x"'))
  })

  it('reads an attribute called "not" as an attribute', () => {
    expect(parseFilter('not eq "x"')).toEqual({
      kind: 'comparison',
      path: path('not'),
      operator: 'eq',
      value: 'x',
    })
  })
})

describe('parseFilter: errors name the position and show an excerpt', () => {
  const cases: [string, string, number][] = [
    ['userName xx "bjensen"', "Unknown operator 'xx'", 9],
    ['userName eq', 'Expected a value but the text ended', 11],
    ['userName eq "bjensen', 'Unterminated string', 12],
    ['(userName pr', "Expected ')' but the text ended", 12],
    ['userName pr)', "Unbalanced ')'", 11],
    ['userName pr title pr', 'Unexpected text', 12],
    ['emails[type eq "work"', "Expected ']' but the text ended", 21],
    ['emails[type eq "work"].', 'Expected a sub-attribute name after "]."', 23],
    ['emails[value[x pr]]', 'A value path cannot nest inside another value path', 12],
    ['1abc eq "x"', "Invalid attribute name '1abc'", 0],
    ['name.given.x eq "x"', "Invalid sub-attribute name 'given.x'", 5],
    ['a eq 01', 'Invalid number', 5],
    ['a eq 1x', 'Invalid number', 5],
    ['a eq bjensen', 'Expected a value: a "string", a number, true, false or null', 5],
    ['a eq "\\q"', 'Invalid escape in string', 5],
    ['a eq "tab\there"', 'Control character in string', 9],
    ['a eq 1e999', 'Number out of range', 5],
    ['urn:ietf:params:scim:schemas:core:2.0:User: pr', 'Expected an attribute after the schema URN', 43],
    ['and', 'Expected an operator but the text ended', 3],
    ['a pr and', 'Expected an attribute but the text ended', 8],
  ]
  it.each(cases)('%s -> %s at %d', (text, message, position) => {
    const error = expectScimError(() => parseFilter(text), 400, 'invalidFilter')
    expect(error.message).toContain(`${message} at position ${position}`)
    expect(error.position).toBe(position)
    expect(error.expose).toBe(true)
  })

  it('marks the spot in the excerpt and escapes control characters', () => {
    const error = expectScimError(() => parseFilter('userName xx "bj\u0007"'), 400, 'invalidFilter')
    expect(error.message).toBe('Unknown operator \'xx\' at position 9: userName >>>xx "bj\\u0007"')
  })

  it('shortens long excerpts', () => {
    const error = expectScimError(() => parseFilter(`${'a pr and '.repeat(20)}b xx 1`), 400)
    expect(error.message).toMatch(/: \.\.\.[^>]{24}>>>xx 1$/)
  })

  it('rejects empty and blank filters and non-strings', () => {
    expectScimError(() => parseFilter(''), 400, 'invalidFilter')
    expectScimError(() => parseFilter('   '), 400, 'invalidFilter')
    expectScimError(() => parseFilter(42 as unknown as string), 400, 'invalidFilter')
  })
})

describe('parseFilter: limits', () => {
  it('rejects 1 MB of text before scanning it', () => {
    const text = `userName eq "${'x'.repeat(1024 * 1024)}"`
    const error = expectScimError(() => parseFilter(text), 400, 'invalidFilter')
    expect(error.message).toBe('The filter is longer than 10000 characters')
  })

  it.each([
    ['parentheses', (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`],
    ['not', (n: number) => `${'not ('.repeat(n)}a pr${')'.repeat(n)}`],
  ])('rejects 100,000 nested %s with a depth error, not a stack overflow', (_name, build) => {
    const text = build(100_000)
    const error = expectScimError(() => parseFilter(text, { maxLength: text.length }), 400, 'invalidFilter')
    expect(error.message).toContain('deeper than 32 levels')
  })

  it('accepts nesting up to maxDepth', () => {
    expect(() => parseFilter(`${'('.repeat(32)}a pr${')'.repeat(32)}`)).not.toThrow()
    expectScimError(() => parseFilter(`${'('.repeat(33)}a pr${')'.repeat(33)}`), 400, 'invalidFilter')
    expect(() => parseFilter(`${'('.repeat(40)}a pr${')'.repeat(40)}`, { maxDepth: 40 })).not.toThrow()
  })

  it('rejects 10,000 or-terms with a term-count error', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `id eq "${i}"`).join(' or ')
    const error = expectScimError(() => parseFilter(text, { maxLength: text.length }), 400, 'invalidFilter')
    expect(error.message).toContain('more than 200 terms')
  })

  it('accepts exactly maxTerms terms', () => {
    const text = Array.from({ length: 200 }, (_, i) => `id eq "${i}"`).join(' or ')
    expect(parseFilter(text).kind).toBe('or')
  })

  it('fails fast with a TypeError on a bad limit', () => {
    expect(() => parseFilter('a pr', { maxDepth: 0 })).toThrow(TypeError)
    expect(() => parseFilter('a pr', { maxTerms: 1.5 })).toThrow(TypeError)
    expect(() => parseFilter('a pr', { maxLength: -1 })).toThrow(TypeError)
  })
})

describe('parsePatchPath', () => {
  it.each([
    ['name.givenName', { attribute: 'name', subAttribute: 'givenName' }],
    ['members', { attribute: 'members' }],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager' },
    ],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' },
    ],
  ])('parses %s', (text, expected) => {
    const parsed = parsePatchPath(text)
    expect(parsed).toEqual({ kind: 'patchPath', ...expected })
    expect(parsePatchPath(stringifyPatchPath(parsed))).toEqual(parsed)
  })

  it('parses a value-filtered path with a trailing sub-attribute (RFC 7644 §3.5.2)', () => {
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      kind: 'patchPath',
      attribute: 'emails',
      valueFilter: { kind: 'comparison', path: path('type'), operator: 'eq', value: 'work' },
      subAttribute: 'value',
    })
    expect(parsePatchPath('members[value eq "2819c223-7f76-453a-919d-413861904646"]')).toMatchObject({
      attribute: 'members',
      valueFilter: { operator: 'eq', value: '2819c223-7f76-453a-919d-413861904646' },
    })
  })

  it("knows the host's extension URNs when given them", () => {
    const urn = 'urn:acme:params:scim:schemas:extension:2.0:Team'
    expect(parsePatchPath(urn, { schemaUrns: [urn] })).toEqual({ kind: 'patchPath', schema: urn })
  })

  it.each([
    '',
    'name.',
    'emails[type eq "work"',
    'emails[type eq "work"]x',
    'a b',
    '__proto__',
    'name.givenName[x pr]',
  ])('rejects %j as invalidPath', (text) => {
    expectScimError(() => parsePatchPath(text), 400, 'invalidPath')
  })
})

describe('parseFilter: URN-qualified names under extension URNs', () => {
  it('splits at the last colon even when a known URN is a prefix of the written one', () => {
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:acme:badge eq "x"')).toEqual({
      kind: 'comparison',
      path: path('badge', undefined, 'urn:ietf:params:scim:schemas:core:2.0:User:acme'),
      operator: 'eq',
      value: 'x',
    })
  })

  it('reads known URNs in any case, keeping the spelling', () => {
    expect(parseFilter('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName pr')).toEqual({
      kind: 'present',
      path: path('userName', undefined, 'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER'),
    })
  })

  it('uses the URNs given by createFilterParser', () => {
    const urn = 'urn:acme:params:scim:schemas:extension:2.0:User'
    const parser = createFilterParser({ schemaUrns: [urn], maxTerms: 2 })
    expect(parser.parseFilter(`${urn}:badge.code eq "x"`)).toEqual({
      kind: 'comparison',
      path: path('badge', 'code', urn),
      operator: 'eq',
      value: 'x',
    })
    expect(parser.parsePatchPath(urn)).toEqual({ kind: 'patchPath', schema: urn })
    expectScimError(() => parser.parseFilter('a pr and b pr and c pr'), 400, 'invalidFilter')
    expect(() => createFilterParser({ schemaUrns: ['not a urn'] })).toThrow(TypeError)
  })
})

describe('parseFilter: Entra value paths at the depth limit', () => {
  const wrap = (levels: number, inner: string) => `${'not ('.repeat(levels)}${inner}${')'.repeat(levels)}`

  it('merges an and before "].sub" into one chain, which needs no extra level', () => {
    const ast = parseFilter(wrap(31, 'emails[type pr and value pr].display pr'))
    expect(parseFilter(stringifyFilter(ast))).toEqual(ast)
    expect(stringifyFilter(ast)).toContain('emails[type pr and value pr and display pr]')
  })

  it('counts the parentheses an or before "].sub" needs in canonical form', () => {
    const accepted = parseFilter(wrap(30, 'emails[type pr or value pr].display pr'))
    expect(parseFilter(stringifyFilter(accepted))).toEqual(accepted)
    const error = expectScimError(() => parseFilter(wrap(31, 'emails[type pr or value pr].display pr')), 400)
    expect(error.message).toContain('deeper than 32 levels')
  })
})

describe('createFilterParser: known URNs that share prefixes', () => {
  it('splits each at its own end', () => {
    const urns = ['urn:a:b', 'urn:a:bc', 'urn:a:b:c', 'urn:ietf:params:scim:schemas:core:2.0:User']
    const parser = createFilterParser({ schemaUrns: urns })
    for (const urn of urns) {
      expect(parser.parseFilter(`${urn}:name.x eq 1`)).toMatchObject({
        path: { schema: urn, attribute: 'name', subAttribute: 'x' },
      })
    }
  })
})

describe("dialect: Entra's value path with a trailing sub-attribute (lib/dialect.ts readsValuePathSubAttribute)", () => {
  const entra = 'emails[type eq "work"].value eq "x"'
  const strict = createFilterParser({ dialect: 'strict' })

  it('is read under lenient, the default, as an and inside the brackets', () => {
    const expected = parseFilter('emails[type eq "work" and value eq "x"]')
    expect(createFilterParser({ dialect: 'lenient' }).parseFilter(entra)).toEqual(expected)
    expect(createFilterParser().parseFilter(entra)).toEqual(expected)
    expect(parseFilter(entra, { dialect: 'lenient' })).toEqual(expected)
  })

  it.each([
    [entra, 22],
    ['emails[type eq "work" or type eq "home"].value pr', 40],
    ['not (emails[type pr].', 20],
  ])('is refused under strict: %s -> invalidFilter at %d', (text, position) => {
    const error = expectScimError(() => strict.parseFilter(text), 400, 'invalidFilter')
    expect(error.position).toBe(position)
    expect(error.message).toContain(
      `under the strict dialect (RFC 7644 §3.4.2.2): write the condition inside the brackets at position ${position}: `,
    )
    expectScimError(() => parseFilter(text, { dialect: 'strict' }), 400, 'invalidFilter')
  })

  it('names the spot in its message', () => {
    const error = expectScimError(() => strict.parseFilter(entra), 400, 'invalidFilter')
    expect(error.message).toBe(
      'A value path cannot be followed by a sub-attribute under the strict dialect (RFC 7644 §3.4.2.2): ' +
        'write the condition inside the brackets at position 22: emails[type eq "work"]>>>.value eq "x"',
    )
  })

  it('still reads the RFC forms under strict: value paths, and PATCH paths with "].sub"', () => {
    expect(strict.parseFilter('emails[type eq "work" and value eq "x"]')).toEqual(
      parseFilter('emails[type eq "work" and value eq "x"]'),
    )
    expect(strict.parsePatchPath('emails[type eq "work"].value')).toEqual(
      parsePatchPath('emails[type eq "work"].value'),
    )
  })

  it('fails fast with a TypeError on an unknown dialect', () => {
    expect(() => createFilterParser({ dialect: 'loose' as never })).toThrow(TypeError)
    expect(() => parseFilter('a pr', { dialect: 'loose' as never })).toThrow(
      "express-scim: the filter parser option dialect must be 'lenient' or 'strict'",
    )
  })
})
