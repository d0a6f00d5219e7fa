// Property-based tests (fast-check) of the filter parser, stringifier and evaluator: round trips, robustness, limits.
import * as fc from 'fast-check'
import { isScimError } from '../../lib/errors'
import { compileFilter, type MatchFilterOptions, matchesFilter } from '../../lib/filter/evaluate'
import { DEFAULT_FILTER_LIMITS, parseFilter, parsePatchPath } from '../../lib/filter/parser'
import { checkFilter } from '../../lib/filter/semantics'
import { stringifyFilter, stringifyPatchPath } from '../../lib/filter/stringify'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../lib/schema/core'
import { createSchemaRegistry } from '../../lib/schema/registry'
import type {
  AttributePath,
  ComparisonOperator,
  Filter,
  FilterValue,
  ParseFilterOptions,
  PatchPath,
} from '../../types/filter'

// Taken before any test runs; the last test checks that nothing was added to Object.prototype.
const PROTOTYPE_PROPERTIES = Object.getOwnPropertyNames(Object.prototype).sort()

const { maxDepth: MAX_DEPTH, maxTerms: MAX_TERMS, maxLength: MAX_LENGTH } = DEFAULT_FILTER_LIMITS

const OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']

// ---- helpers ----------------------------------------------------------------------------------------

/** Fails (rethrowing the original, for its stack) unless `error` is a SCIM 400 of the given scimType. */
function expectScim400(error: unknown, scimType: 'invalidFilter' | 'invalidPath', text?: string): void {
  if (!isScimError(error)) throw error
  expect(error.status).toBe(400)
  expect(error.scimType).toBe(scimType)
  expect(error.expose).toBe(true)
  if (error.position !== undefined && text !== undefined) {
    expect(Number.isInteger(error.position)).toBe(true)
    expect(error.position).toBeGreaterThanOrEqual(0)
    expect(error.position).toBeLessThanOrEqual(text.length)
  }
  // The detail is one line: the excerpt escapes control characters.
  expect([...error.message].findIndex((c) => c < ' ' || c === '\u007f')).toBe(-1)
}

/** The AST, or undefined after checking that the failure is a SCIM 400 invalidFilter. */
function tryParseFilter(text: string, options?: ParseFilterOptions): Filter | undefined {
  try {
    return parseFilter(text, options)
  } catch (error) {
    expectScim400(error, 'invalidFilter', text)
    return undefined
  }
}

function tryParsePatchPath(text: string): PatchPath | undefined {
  try {
    return parsePatchPath(text)
  } catch (error) {
    expectScim400(error, 'invalidPath', text)
    return undefined
  }
}

/** An attribute path without `undefined` members, as the parser builds them. */
function attrPath(attribute: string, schema?: string, subAttribute?: string): AttributePath {
  return {
    kind: 'attributePath',
    ...(schema !== undefined ? { schema } : {}),
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  }
}

/** `[urn ":"] name ["." sub]` split as the parser does (the attribute part holds no colon). */
function pathOf(text: string): AttributePath {
  const colon = text.lastIndexOf(':')
  const [attribute, subAttribute] = text.slice(colon + 1).split('.')
  return attrPath(attribute!, colon === -1 ? undefined : text.slice(0, colon), subAttribute)
}

function not(filter: Filter): Filter {
  return { kind: 'not', filter }
}

function countTerms(filter: Filter): number {
  switch (filter.kind) {
    case 'comparison':
    case 'present':
      return 1
    case 'and':
    case 'or':
      return filter.filters.reduce((sum, f) => sum + countTerms(f), 0)
    case 'not':
    case 'valuePath':
      return countTerms(filter.filter)
  }
}

/** An upper bound of the nesting any rendering of `filter` needs: one level per node above the terms. */
function nestingBound(filter: Filter): number {
  switch (filter.kind) {
    case 'comparison':
    case 'present':
      return 0
    case 'and':
    case 'or':
      return 1 + Math.max(...filter.filters.map(nestingBound))
    case 'not':
    case 'valuePath':
      return 1 + nestingBound(filter.filter)
  }
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$:.-]/.test(c)
}

// ---- AST generators -----------------------------------------------------------------------------

/** What the terms of a generated AST are made of. */
interface AstSpace {
  /** Terms (comparisons and `pr`) at the top level. */
  readonly term: fc.Arbitrary<Filter>
  /** Terms inside a value path. */
  readonly elementTerm: fc.Arbitrary<Filter>
  /** Attributes of value paths (never with a sub-attribute). */
  readonly valuePathPath: fc.Arbitrary<AttributePath>
}

function termArb(
  path: fc.Arbitrary<AttributePath>,
  value: fc.Arbitrary<FilterValue>,
  operators: readonly ComparisonOperator[] = OPERATORS,
  presentWeight = 1,
): fc.Arbitrary<Filter> {
  const comparison = fc
    .record({ path, operator: fc.constantFrom(...operators), value })
    .map(({ path, operator, value }): Filter => ({ kind: 'comparison', path, operator, value }))
  if (presentWeight === 0) return comparison
  return fc.oneof(
    { weight: 3, arbitrary: comparison },
    { weight: presentWeight, arbitrary: path.map((p): Filter => ({ kind: 'present', path: p })) },
  )
}

/**
 * ASTs of at most `depth` levels of and / or / not / valuePath above the terms (at most 3^depth terms).
 * Chains may hold chains of the same kind: the parser builds those from parenthesised text.
 */
function filterArb(space: AstSpace, depth: number, inValuePath = false): fc.Arbitrary<Filter> {
  const term = inValuePath ? space.elementTerm : space.term
  if (depth <= 0) return term
  const sub = filterArb(space, depth - 1, inValuePath)
  const chain = (kind: 'and' | 'or') =>
    fc.array(sub, { minLength: 2, maxLength: 3 }).map((filters): Filter => ({ kind, filters }))
  const choices: fc.WeightedArbitrary<Filter>[] = [
    { weight: 3, arbitrary: term },
    { weight: 2, arbitrary: chain('and') },
    { weight: 2, arbitrary: chain('or') },
    { weight: 1, arbitrary: sub.map(not) },
  ]
  if (!inValuePath) {
    choices.push({
      weight: 1,
      arbitrary: fc
        .record({ path: space.valuePathPath, filter: filterArb(space, depth - 1, true) })
        .map(({ path, filter }): Filter => ({ kind: 'valuePath', path, filter })),
    })
  }
  return fc.oneof(...choices)
}

/** Mostly shallow ASTs, sometimes under a tower of `not` that comes close to the depth limit. */
function astArb(space: AstSpace): fc.Arbitrary<Filter> {
  return fc.oneof(
    { weight: 4, arbitrary: filterArb(space, 3) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: MAX_DEPTH - 6 }), filterArb(space, 3))
        .map(([height, filter]) => Array.from({ length: height }).reduce<Filter>((f) => not(f), filter)),
    },
  )
}

// Every name the ABNF allows. Keywords are included on purpose: the parser tells `not (` from an
// attribute called `not`, and operators / `and` / `or` only by position, so none of them is ambiguous.
const KEYWORD_NAMES = [
  'not',
  'NOT',
  'and',
  'And',
  'or',
  'OR',
  'pr',
  'Pr',
  'true',
  'false',
  'null',
  'urn',
  'e',
  'E',
]
const nameArb = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...KEYWORD_NAMES, ...OPERATORS, 'EQ', 'Gt') },
  { weight: 1, arbitrary: fc.constant('$ref') },
)
const schemaArb = fc.oneof(
  fc.constantFrom(USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA.toUpperCase()),
  fc
    .tuple(fc.constantFrom('urn:', 'URN:', 'Urn:'), fc.stringMatching(/^[A-Za-z0-9._$:-]{0,16}$/))
    .map(([prefix, rest]) => prefix + rest),
)
const optionalSchema = fc.option(schemaArb, { nil: undefined, freq: 3 })
const optionalName = fc.option(nameArb, { nil: undefined, freq: 2 })

/** Single UTF-16 code units, lone surrogates and control characters included. */
const codeUnitArb = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code))
const trickyCharArb = fc.constantFrom(
  '"',
  '\\',
  '/',
  '\n',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  '\ud800',
  '\udc00',
)

const syntaxValueArb: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: fc.oneof(codeUnitArb, trickyCharArb), maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(true, false, null, 0, -0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, -Number.MAX_SAFE_INTEGER),
)

/** The whole syntax: any names, URN-qualified or not, with or without sub-attributes. */
const syntaxPathArb = fc
  .tuple(optionalSchema, nameArb, optionalName)
  .map(([s, a, sub]) => attrPath(a, s, sub))
const SYNTAX_SPACE: AstSpace = {
  term: termArb(syntaxPathArb, syntaxValueArb),
  elementTerm: termArb(syntaxPathArb, syntaxValueArb),
  valuePathPath: fc.tuple(optionalSchema, nameArb).map(([s, a]) => attrPath(a, s)),
}
const syntaxAstArb = astArb(SYNTAX_SPACE)

const patchPathArb: fc.Arbitrary<PatchPath> = fc.oneof(
  fc.tuple(optionalSchema, nameArb, optionalName).map(([schema, attribute, subAttribute]): PatchPath => {
    const { kind: _kind, ...path } = attrPath(attribute, schema, subAttribute)
    return { kind: 'patchPath', ...path }
  }),
  fc.tuple(optionalSchema, nameArb, filterArb(SYNTAX_SPACE, 2, true), optionalName).map(
    ([schema, attribute, valueFilter, subAttribute]): PatchPath => ({
      kind: 'patchPath',
      ...(schema !== undefined ? { schema } : {}),
      attribute,
      valueFilter,
      ...(subAttribute !== undefined ? { subAttribute } : {}),
    }),
  ),
  fc
    .constantFrom(USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA.toLowerCase())
    .map((schema): PatchPath => ({ kind: 'patchPath', schema })),
)

// ---- a random renderer: the same AST as other valid texts ---------------------------------------

const SPACES = [' ', '  ', '\t', '\n', '\r\n', ' \t\r\n ']
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

/**
 * The renderer's random choices, read in a cycle from generated numbers. (Plain arrays shrink cheaply,
 * `fc.gen()` with hundreds of draws does not.) Zero, where it shrinks to, always picks the plainest option.
 */
const choicesArb = fc.array(fc.nat(), { maxLength: 64, size: 'max' })

/**
 * Renders an AST as text the parser must read back as the same AST, varying what the grammar leaves free:
 * whitespace, keyword and operator case, redundant parentheses, number spelling, string escapes and, when
 * `entra` is set, Entra's `attr[filter].sub op value` form. Tracks the nesting the text reaches.
 */
class Renderer {
  private depth = 0
  private drawn = 0
  /** The deepest nesting of `(`, `not (` and `[` in the text. */
  reached = 0

  constructor(
    private readonly choices: readonly number[],
    private readonly entra: boolean,
  ) {}

  private next(): number {
    return this.choices.length === 0 ? 0 : this.choices[this.drawn++ % this.choices.length]!
  }

  pick<T>(values: readonly T[]): T {
    return values[this.next() % values.length]!
  }

  private chance(oneIn: number): boolean {
    return this.next() % oneIn === oneIn - 1
  }

  private keyword(word: string): string {
    const mask = this.next()
    return [...word].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join('')
  }

  space(required: boolean): string {
    return this.pick(required ? SPACES : ['', ...SPACES])
  }

  /** Joins tokens with whitespace, which is optional unless both neighbours are word characters. */
  join(parts: readonly string[]): string {
    let out = ''
    for (const part of parts) {
      out =
        out === '' ? part : out + this.space(isWordChar(out[out.length - 1]) && isWordChar(part[0])) + part
    }
    return out
  }

  nest<T>(inside: () => T): T {
    this.depth++
    this.reached = Math.max(this.reached, this.depth)
    const result = inside()
    this.depth--
    return result
  }

  /** An operand of `parent`, parenthesised where the structure needs it and sometimes where it does not. */
  render(filter: Filter, parent: 'and' | 'or' | 'none'): string {
    const needed =
      (filter.kind === 'and' || filter.kind === 'or') &&
      (filter.kind === parent || (parent === 'and' && filter.kind === 'or'))
    const optional = !needed && this.depth + 1 + nestingBound(filter) <= MAX_DEPTH && this.chance(6)
    if (!needed && !optional) return this.bare(filter)
    return this.nest(() => this.join(['(', this.bare(filter), ')']))
  }

  private bare(filter: Filter): string {
    switch (filter.kind) {
      case 'comparison':
        return this.join([this.path(filter.path), this.keyword(filter.operator), this.value(filter.value)])
      case 'present':
        return this.join([this.path(filter.path), this.keyword('pr')])
      case 'and':
      case 'or': {
        const parts: string[] = []
        for (const [i, f] of filter.filters.entries()) {
          if (i > 0) parts.push(this.keyword(filter.kind))
          parts.push(this.render(f, filter.kind))
        }
        return this.join(parts)
      }
      case 'not':
        return this.nest(() => this.join([this.keyword('not'), '(', this.render(filter.filter, 'none'), ')']))
      case 'valuePath':
        return this.nest(() => this.valuePath(filter.path, filter.filter))
    }
  }

  private valuePath(path: AttributePath, inner: Filter): string {
    const [first, trailing] = inner.kind === 'and' && inner.filters.length === 2 ? inner.filters : []
    if (
      this.entra &&
      first !== undefined &&
      // Written bare, an `and` inside the brackets merges with the trailing term into one chain (a different AST).
      first.kind !== 'and' &&
      trailing !== undefined &&
      (trailing.kind === 'comparison' || trailing.kind === 'present') &&
      trailing.path.schema === undefined &&
      trailing.path.subAttribute === undefined &&
      !this.chance(3)
    ) {
      // `emails[type eq "work"].value eq "x"` reads as `emails[type eq "work" and value eq "x"]`.
      const tail = `].${trailing.path.attribute}`
      // An `or` before `].sub` counts one level more: its canonical text `attr[(a or b) and sub ...]` needs it.
      const head =
        first.kind === 'or' ? this.nest(() => this.render(first, 'none')) : this.render(first, 'none')
      const rest =
        trailing.kind === 'present'
          ? [this.keyword('pr')]
          : [this.keyword(trailing.operator), this.value(trailing.value)]
      return this.join([this.path(path), '[', head, tail, ...rest])
    }
    return this.join([this.path(path), '[', this.render(inner, 'none'), ']'])
  }

  private path(path: AttributePath): string {
    const qualified = path.schema === undefined ? path.attribute : `${path.schema}:${path.attribute}`
    return path.subAttribute === undefined ? qualified : `${qualified}.${path.subAttribute}`
  }

  private value(value: FilterValue): string {
    if (typeof value === 'string') return this.string(value)
    if (typeof value === 'number') return this.pick(numberSpellings(value))
    return this.keyword(String(value))
  }

  private string(value: string): string {
    if (!this.chance(3)) return JSON.stringify(value)
    let out = '"'
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!
      const hex = value.charCodeAt(i).toString(16).padStart(4, '0')
      const short = SHORT_ESCAPES[c]
      const spellings = [
        ...(c >= ' ' && c !== '"' && c !== '\\' ? [c, c, c] : []),
        ...(short !== undefined ? [short] : []),
        `\\u${hex}`,
        `\\u${hex.toUpperCase()}`,
      ]
      out += this.pick(spellings)
    }
    return `${out}"`
  }
}

/** JSON spellings of a finite number, all of which denote exactly it. */
function numberSpellings(value: number): string[] {
  if (Object.is(value, -0)) return ['-0', '-0.0', '-0e0', '-0E+00', '-0.000e-5']
  const exponential = value.toExponential()
  const spellings = [
    String(value),
    exponential,
    exponential.toUpperCase(),
    exponential.replace(/e([+-])/, (_, sign: string) => `e${sign}00`),
  ]
  if (Number.isInteger(value) && !String(value).includes('e'))
    spellings.push(`${value}.0`, `${value}e0`, `${value}E-0`)
  return spellings
}

/**
 * Renders `ast` and wraps it in `not (` until the text nests exactly `MAX_DEPTH` deep, the most the
 * parser accepts by default. Returns the text, what it must parse to, and the nesting of the bare rendering.
 */
function renderAtDepthLimit(choices: readonly number[], ast: Filter, entra: boolean) {
  const renderer = new Renderer(choices, entra)
  const bare = renderer.join([renderer.space(false), renderer.render(ast, 'none'), renderer.space(false)])
  let text = bare
  let expected = ast
  // `not`, not bare parentheses, so that the AST (hence the canonical text) keeps the nesting.
  for (let level = renderer.reached; level < MAX_DEPTH; level++) {
    text = renderer.join([renderer.pick(['not', 'NOT', 'Not']), '(', text, ')'])
    expected = not(expected)
  }
  return { bare, reached: renderer.reached, text, expected }
}

/** The Entra shape `attr[inner and trailing]`, whose trailing term may be written after `].`. */
const entraAstArb: fc.Arbitrary<Filter> = fc
  .record({
    path: SYNTAX_SPACE.valuePathPath,
    inner: filterArb(SYNTAX_SPACE, 2, true),
    trailing: termArb(
      nameArb.map((name) => attrPath(name)),
      syntaxValueArb,
    ),
    around: fc.option(filterArb(SYNTAX_SPACE, 1), { nil: undefined }),
    kind: fc.constantFrom('and' as const, 'or' as const),
  })
  .map(({ path, inner, trailing, around, kind }) => {
    const valuePath: Filter = { kind: 'valuePath', path, filter: { kind: 'and', filters: [inner, trailing] } }
    return around === undefined ? valuePath : { kind, filters: [around, valuePath] }
  })

/** Round trips of one rendering, as in the filter round-trip tests below. */
function checkRendering(choices: readonly number[], ast: Filter, entra: boolean): void {
  const { bare, reached, text, expected } = renderAtDepthLimit(choices, ast, entra)
  fc.pre(text.length <= MAX_LENGTH)
  const parsed = parseFilter(text)
  expect(parsed).toEqual(expected)
  // The canonical text of any accepted filter is accepted, as the same AST.
  expect(parseFilter(stringifyFilter(parsed))).toEqual(parsed)
  // ... and nests no deeper than the text it came from.
  const depth = Math.max(1, reached)
  expect(parseFilter(bare, { maxDepth: depth })).toEqual(ast)
  expect(parseFilter(stringifyFilter(ast), { maxDepth: depth })).toEqual(ast)
  // The parser counts nesting and terms as the renderer does.
  if (reached > 1) expect(tryParseFilter(bare, { maxDepth: reached - 1 })).toBeUndefined()
  const terms = countTerms(ast)
  expect(parseFilter(bare, { maxTerms: terms })).toEqual(ast)
  if (terms > 1) expect(tryParseFilter(bare, { maxTerms: terms - 1 })).toBeUndefined()
}

// ---- 1. AST round trip ----------------------------------------------------------------------------

describe('round trip of ASTs', () => {
  test('parseFilter(stringifyFilter(ast)) equals ast', () => {
    fc.assert(
      fc.property(syntaxAstArb, (ast) => {
        const text = stringifyFilter(ast)
        expect(text.length).toBeLessThanOrEqual(MAX_LENGTH)
        expect(parseFilter(text)).toEqual(ast)
      }),
      { numRuns: 1000 },
    )
  })

  test('parsePatchPath(stringifyPatchPath(path)) equals path', () => {
    fc.assert(
      fc.property(patchPathArb, (path) => {
        expect(parsePatchPath(stringifyPatchPath(path))).toEqual(path)
      }),
      { numRuns: 500 },
    )
  })
})

// ---- 2. text round trip ---------------------------------------------------------------------------

describe('round trip of texts', () => {
  test('any spelling of an AST parses to it; its canonical text parses to the same AST', () => {
    fc.assert(
      fc.property(syntaxAstArb, choicesArb, (ast, choices) => checkRendering(choices, ast, false)),
      { numRuns: 400 },
    )
  })

  // `attr[a or b].sub pr` is attr[(a or b) and sub pr], whose canonical text needs one level more than the
  // source shows: the parser counts that level, so what it accepts at the depth limit round-trips. The
  // example is `not (` x 31 around `emails[type pr or value pr].display pr`, which is one level too deep.
  test("Entra's attr[filter].sub form round-trips too, even at the depth limit", () => {
    const example: Filter = {
      kind: 'valuePath',
      path: attrPath('emails'),
      filter: {
        kind: 'and',
        filters: [
          {
            kind: 'or',
            filters: [
              { kind: 'present', path: attrPath('type') },
              { kind: 'present', path: attrPath('value') },
            ],
          },
          { kind: 'present', path: attrPath('display') },
        ],
      },
    }
    fc.assert(
      fc.property(fc.oneof(entraAstArb, syntaxAstArb), choicesArb, (ast, choices) =>
        checkRendering(choices, ast, true),
      ),
      { numRuns: 300, examples: [[example, []]] },
    )
  })

  // Stringify may be longer than the source (a lone surrogate becomes \uXXXX, 1e20 becomes 21 digits), as
  // stringifyFilter documents: the round trip is of structure, so the canonical text is read back without
  // the length limit. The example is `userName eq "` + 1700 x U+D800 + `"`: 1714 characters, 10214 once stringified.
  test('accepted filters close to maxLength round-trip', () => {
    const longText = fc.oneof(
      fc
        .tuple(fc.integer({ min: 1, max: MAX_LENGTH - 20 }), fc.constantFrom('\ud800', '\udfff', 'x'))
        .map(([n, unit]) => `userName eq "${unit.repeat(n)}"`),
      fc
        .tuple(fc.integer({ min: 1, max: MAX_TERMS - 1 }), fc.integer({ min: 0, max: MAX_LENGTH }))
        .map(([terms, pad]) => `${'a eq 1e20 or '.repeat(terms)}a eq "${'y'.repeat(pad)}"`),
    )
    fc.assert(
      fc.property(longText, (text) => {
        fc.pre(text.length <= MAX_LENGTH)
        const parsed = parseFilter(text)
        const canonical = stringifyFilter(parsed)
        expect(parseFilter(canonical, { maxLength: Math.max(canonical.length, 1) })).toEqual(parsed)
      }),
      { numRuns: 200, examples: [[`userName eq "${'\ud800'.repeat(1700)}"`]] },
    )
  })
})

// ---- 3. parser robustness ---------------------------------------------------------------------------

const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '"',
  '\\',
  '\\u',
  '\\u00',
  '\\ud800',
  '"x"',
  '""',
  '"\\"',
  'not',
  'NOT',
  'and',
  'Or',
  'or',
  'eq',
  'EQ',
  'ne',
  'co',
  'sw',
  'gt',
  'le',
  'pr',
  'Pr',
  'userName',
  'emails',
  'value',
  'name.givenName',
  '$ref',
  'urn:',
  ':',
  '.',
  USER_SCHEMA,
  `${ENTERPRISE_USER_SCHEMA}:`,
  '0',
  '-',
  '-0',
  '1',
  '1.5',
  '01',
  '1e400',
  '1e',
  'E+',
  '.5',
  'true',
  'FALSE',
  'null',
  ' ',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u00a0',
  '\u0000',
  '\u001f',
  '\ud800',
  '\udc00',
  '😀',
  ',',
  '{',
  "'",
  '__proto__',
  'constructor',
  'toString',
]
const tokenArb = fc.constantFrom(...TOKENS)

/** A valid filter with a few random edits: text that is almost, or just, valid. */
const mutatedFilterArb = fc
  .tuple(
    syntaxAstArb.map(stringifyFilter),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.oneof(tokenArb, fc.constant(''))), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) =>
    edits.reduce((s, [at, remove, insert]) => {
      const i = at % (s.length + 1)
      return s.slice(0, i) + insert + s.slice(i + remove)
    }, text),
  )

const arbitraryTextArb = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.oneof(codeUnitArb, trickyCharArb) }),
  fc.array(tokenArb, { maxLength: 40 }).map((tokens) => tokens.join('')),
  fc.array(tokenArb, { maxLength: 40 }).map((tokens) => tokens.join(' ')),
  mutatedFilterArb,
)

describe('parser robustness', () => {
  test('parseFilter returns an AST that round-trips, or throws a SCIM 400 invalidFilter', () => {
    fc.assert(
      fc.property(arbitraryTextArb, (text) => {
        const parsed = tryParseFilter(text)
        if (parsed !== undefined) expect(parseFilter(stringifyFilter(parsed))).toEqual(parsed)
      }),
      { numRuns: 1000 },
    )
  })

  test('parsePatchPath returns a path that round-trips, or throws a SCIM 400 invalidPath', () => {
    const pathTextArb = fc.oneof(
      arbitraryTextArb,
      fc
        .tuple(fc.constantFrom('emails', 'members', USER_SCHEMA, `${USER_SCHEMA}:emails`), arbitraryTextArb)
        .map(([head, tail]) => head + tail),
      patchPathArb.map(stringifyPatchPath),
    )
    fc.assert(
      fc.property(pathTextArb, (text) => {
        const parsed = tryParsePatchPath(text)
        if (parsed !== undefined) expect(parsePatchPath(stringifyPatchPath(parsed))).toEqual(parsed)
      }),
      { numRuns: 1000 },
    )
  })
})

// ---- 4 and 5. evaluation ----------------------------------------------------------------------------

// Real User attributes by type, so that most terms compile and the predicates run, plus a few paths that
// are unknown, not filterable or of the wrong shape, so that the error path runs too.
const STRING_PATHS = [
  ...[
    'userName',
    'USERNAME',
    'displayName',
    'title',
    'emails',
    'emails.value',
    'Emails.Type',
    'name.givenName',
  ],
  ...[
    'name.familyName',
    'externalId',
    'id',
    'schemas',
    'groups.$ref',
    'x509Certificates.value',
    'meta.version',
  ],
  ...[`${USER_SCHEMA}:userName`, `${USER_SCHEMA}:name.givenName`, 'department'],
  ...[`${ENTERPRISE_USER_SCHEMA}:employeeNumber`, `${ENTERPRISE_USER_SCHEMA}:manager.value`],
].map(pathOf)
const BOOLEAN_PATHS = ['active', 'emails.primary', 'Addresses.Primary'].map(pathOf)
const DATE_PATHS = ['meta.lastModified', 'meta.created'].map(pathOf)
const ODD_PATHS = [
  'name',
  'meta',
  'password',
  'members.value',
  'unknown',
  'name.unknown',
  'userName.sub',
].map(pathOf)
const ELEMENT_STRING_PATHS = ['value', 'VALUE', 'type', 'display', '$ref', 'givenName'].map(pathOf)
const ELEMENT_ODD_PATHS = ['lastModified', 'streetAddress', 'bogus', 'value.sub', `${USER_SCHEMA}:value`].map(
  pathOf,
)
const VALUE_PATH_PATHS = [
  ...[
    'emails',
    'Emails',
    'phoneNumbers',
    'ims',
    'roles',
    'entitlements',
    'groups',
    'x509Certificates',
    'name',
  ],
  ...['addresses', 'meta', `${ENTERPRISE_USER_SCHEMA}:manager`, 'userName', 'members'],
].map(pathOf)
const USER_STRINGS = [
  '',
  'work',
  'home',
  'bjensen',
  'BJensen',
  '@example.com',
  'example',
  'True',
  'false',
  '2011-05-13T04:42:34Z',
  '2011-05-13T04:42:34',
  '2011-05-13T04:42:34.123+02:00',
  '2011-13-45T99:99:99Z',
  'not a date',
]
const userStringArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...USER_STRINGS) },
  fc.string({ maxLength: 6 }),
)
const userValueArb: fc.Arbitrary<FilterValue> = fc.oneof(
  { weight: 4, arbitrary: userStringArb },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) },
  { weight: 2, arbitrary: fc.constantFrom(true, false, null) },
)
const booleanValueArb = fc.constantFrom<FilterValue>(true, false, 'True', 'false', 'FALSE')
const dateValueArb = fc.oneof(
  fc.constantFrom(...USER_STRINGS.slice(9, 12)),
  fc
    .date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
)
const nullTermArb = (paths: readonly AttributePath[]) =>
  termArb(fc.constantFrom(...paths), fc.constant(null), ['eq', 'ne'], 0)
const USER_SPACE: AstSpace = {
  term: fc.oneof(
    { weight: 6, arbitrary: termArb(fc.constantFrom(...STRING_PATHS), userStringArb) },
    { weight: 2, arbitrary: termArb(fc.constantFrom(...BOOLEAN_PATHS), booleanValueArb, ['eq', 'ne']) },
    {
      weight: 2,
      arbitrary: termArb(fc.constantFrom(...DATE_PATHS), dateValueArb, ['eq', 'ne', 'gt', 'ge', 'lt', 'le']),
    },
    { weight: 1, arbitrary: nullTermArb([...STRING_PATHS, ...BOOLEAN_PATHS, ...DATE_PATHS]) },
    {
      weight: 1,
      arbitrary: termArb(fc.constantFrom(...STRING_PATHS, ...DATE_PATHS, ...ODD_PATHS), userValueArb),
    },
  ),
  elementTerm: fc.oneof(
    { weight: 6, arbitrary: termArb(fc.constantFrom(...ELEMENT_STRING_PATHS), userStringArb) },
    { weight: 2, arbitrary: termArb(fc.constant(pathOf('primary')), booleanValueArb, ['eq', 'ne']) },
    { weight: 1, arbitrary: nullTermArb(ELEMENT_STRING_PATHS) },
    {
      weight: 1,
      arbitrary: termArb(fc.constantFrom(...ELEMENT_STRING_PATHS, ...ELEMENT_ODD_PATHS), userValueArb),
    },
  ),
  valuePathPath: fc.constantFrom(...VALUE_PATH_PATHS),
}
const userAstArb = fc.oneof(
  { weight: 4, arbitrary: filterArb(USER_SPACE, 3) },
  { weight: 1, arbitrary: syntaxAstArb },
)

const RESOURCE_KEYS = [
  ...[
    'userName',
    'USERNAME',
    'displayName',
    'title',
    'active',
    'emails',
    'Emails',
    'name',
    'meta',
    'externalId',
  ],
  ...[
    'id',
    'schemas',
    'groups',
    'password',
    'x509Certificates',
    'addresses',
    ENTERPRISE_USER_SCHEMA,
    'manager',
  ],
  ...['value', 'Value', 'type', 'primary', 'display', '$ref', 'givenName', 'lastModified', 'created'],
  ...['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'],
]
const anythingArb = fc.anything({
  key: fc.oneof(fc.string(), fc.constantFrom(...RESOURCE_KEYS)),
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  stringUnit: 'binary',
})
const leafValueArb = fc.oneof(
  fc.constantFrom(...USER_STRINGS, true, false, null, undefined, 0, -0, Number.NaN, Number.POSITIVE_INFINITY),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.date({ noInvalidDate: false }),
  anythingArb,
)
// Objects are built with Object.fromEntries, so `__proto__` becomes an own property, as JSON.parse makes it.
const { resource: shapedResourceArb } = fc.letrec<{ value: unknown; resource: Record<string, unknown> }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafValueArb,
      tie('resource'),
      fc.array(tie('value'), { maxLength: 4 }),
    ),
    resource: fc
      .array(fc.tuple(fc.constantFrom(...RESOURCE_KEYS), tie('value')), { maxLength: 6 })
      .map((entries) => Object.fromEntries(entries)),
  }),
)
const resourceArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: shapedResourceArb },
  { weight: 1, arbitrary: anythingArb },
  { weight: 1, arbitrary: fc.jsonValue() },
)
const matchOptionsArb: fc.Arbitrary<MatchFilterOptions> = fc.constantFrom(
  { resourceType: 'User' },
  { resourceType: 'User' },
  { resourceType: 'Group' },
  {},
)

/** The predicate, or undefined after checking that compiling failed with a SCIM 400 invalidFilter. */
function tryCompile(ast: Filter, options: MatchFilterOptions) {
  try {
    return compileFilter(ast, options)
  } catch (error) {
    expectScim400(error, 'invalidFilter')
    return undefined
  }
}

describe('evaluation', () => {
  test('compileFilter throws a SCIM 400 or returns a predicate that answers a boolean for any resource', () => {
    let compiled = 0
    let runs = 0
    const answers = { true: 0, false: 0 }
    fc.assert(
      fc.property(
        userAstArb,
        matchOptionsArb,
        fc.array(resourceArb, { minLength: 1, maxLength: 6 }),
        (ast, o, rs) => {
          runs++
          const predicate = tryCompile(ast, o)
          if (predicate === undefined) return
          compiled++
          for (const resource of rs) {
            const answer = predicate(resource)
            expect(typeof answer).toBe('boolean')
            expect(matchesFilter(ast, resource, o)).toBe(answer)
            answers[answer ? 'true' : 'false']++
          }
        },
      ),
      { numRuns: 500 },
    )
    // The predicates themselves were exercised, not only the error path.
    expect(compiled).toBeGreaterThan(runs / 3)
    expect(answers.true).toBeGreaterThan(0)
    expect(answers.false).toBeGreaterThan(0)
  })

  test('checkFilter (what the router runs) refuses exactly what compileFilter refuses, with the same error', () => {
    const registry = createSchemaRegistry()
    const outcome = (run: () => unknown) => {
      try {
        run()
        return 'accepted'
      } catch (error) {
        if (!isScimError(error)) throw error
        return `${error.status} ${error.scimType} ${error.message}`
      }
    }
    let refused = 0
    fc.assert(
      fc.property(userAstArb, matchOptionsArb, fc.constantFrom('lenient', 'strict'), (ast, o, dialect) => {
        const compiled = outcome(() => compileFilter(ast, { ...o, dialect }))
        const checked = outcome(() =>
          checkFilter(ast, { kind: 'resource', registry, resourceType: o.resourceType }, dialect),
        )
        expect(checked).toBe(compiled)
        if (compiled !== 'accepted') refused++
      }),
      { numRuns: 1000 },
    )
    // Both paths were exercised.
    expect(refused).toBeGreaterThan(50)
    expect(refused).toBeLessThan(950)
  })

  test('not is the negation; and / or are every / some of their operands (De Morgan holds)', () => {
    fc.assert(
      fc.property(
        userAstArb,
        userAstArb,
        fc.array(resourceArb, { minLength: 1, maxLength: 6 }),
        (a, b, rs) => {
          const options = { resourceType: 'User' }
          const p = tryCompile(a, options)
          const q = tryCompile(b, options)
          if (p === undefined || q === undefined) return
          const notP = compileFilter(not(a), options)
          const and = compileFilter({ kind: 'and', filters: [a, b] }, options)
          const or = compileFilter({ kind: 'or', filters: [a, b] }, options)
          const notAnd = compileFilter(not({ kind: 'and', filters: [a, b] }), options)
          const orNots = compileFilter({ kind: 'or', filters: [not(a), not(b)] }, options)
          for (const r of rs) {
            expect(p(r)).toBe(!notP(r))
            expect(and(r)).toBe(p(r) && q(r))
            expect(or(r)).toBe(p(r) || q(r))
            expect(notAnd(r)).toBe(orNots(r))
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  // Fails (lib bug): FilterPredicate promises never to throw "whatever the resource holds", but `pr` (isPresent)
  // recurses into complex values without a cycle check and overflows the stack on a cyclic resource.
  test('predicates answer a boolean for cyclic resources too', () => {
    const cyclic = (base: Record<string, unknown>): Record<string, unknown> => {
      const loop: Record<string, unknown> = {}
      loop.self = loop
      loop.value = loop
      return { ...base, name: loop, emails: [loop], meta: loop, [ENTERPRISE_USER_SCHEMA]: { manager: loop } }
    }
    const example: Filter = { kind: 'present', path: attrPath('name') }
    fc.assert(
      fc.property(userAstArb, shapedResourceArb.map(cyclic), (ast, resource) => {
        const predicate = tryCompile(ast, { resourceType: 'User' })
        if (predicate !== undefined) expect(typeof predicate(resource)).toBe('boolean')
      }),
      { numRuns: 300, examples: [[example, cyclic({})]] },
    )
  })
})

// ---- 6. limits ------------------------------------------------------------------------------------

/** Runs `parse`, expecting a SCIM 400 of `scimType` within a generous time bound. */
function expectQuickRejection(
  parse: () => unknown,
  scimType: 'invalidFilter' | 'invalidPath',
  text: string,
  detail?: RegExp,
): void {
  const start = performance.now()
  let caught: unknown
  try {
    parse()
  } catch (error) {
    caught = error
  }
  const elapsed = performance.now() - start
  expect(caught).toBeDefined()
  expectScim400(caught, scimType, text)
  if (detail !== undefined) expect((caught as Error).message).toMatch(detail)
  expect(elapsed).toBeLessThan(250)
}

const openerArb = fc.constantFrom('(', 'not (', 'NOT(', 'not(', ' ( ', 'Not\t(')
const coreArb = fc.constantFrom('userName pr', 'emails[value pr]', 'a eq "x" or b eq 1', 'x')

describe('limits', () => {
  test('nesting deeper than maxDepth is invalidFilter, quickly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_DEPTH + 1, max: 5000 }),
        fc.array(openerArb, { minLength: 1, maxLength: 4 }),
        coreArb,
        fc.boolean(),
        (depth, openers, core, closed) => {
          const open = Array.from({ length: depth }, (_, i) => openers[i % openers.length]).join('')
          const text = open + core + (closed ? ')'.repeat(depth) : '')
          const detail = text.length <= MAX_LENGTH ? /deeper than/ : /longer than/
          expectQuickRejection(() => parseFilter(text), 'invalidFilter', text, detail)
          const path = `emails[${text}]`
          expectQuickRejection(() => parsePatchPath(path), 'invalidPath', path)
        },
      ),
      { numRuns: 200 },
    )
  })

  test('nesting up to maxDepth is accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_DEPTH }),
        fc.array(openerArb, { minLength: 1, maxLength: 4 }),
        (d, o) => {
          const openers = Array.from({ length: d }, (_, i) => o[i % o.length]!)
          const text = openers.join('') + 'userName pr' + ')'.repeat(d)
          const expected = openers.reduceRight<Filter>((f, opener) => (opener.trim() === '(' ? f : not(f)), {
            kind: 'present',
            path: attrPath('userName'),
          })
          expect(parseFilter(text)).toEqual(expected)
        },
      ),
      { numRuns: 100 },
    )
  })

  test('more than maxTerms terms is invalidFilter, quickly; maxTerms terms are accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1100 }),
        fc.constantFrom(' and ', ' or ', ' OR '),
        fc.boolean(),
        (terms, joiner, parenthesised) => {
          const term = parenthesised ? '(a pr)' : 'a pr'
          const text = Array.from({ length: terms }, () => term).join(joiner)
          fc.pre(text.length <= MAX_LENGTH)
          if (terms <= MAX_TERMS) {
            expect(countTerms(parseFilter(text))).toBe(terms)
          } else {
            expectQuickRejection(() => parseFilter(text), 'invalidFilter', text, /more than \d+ terms/)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  test('text longer than maxLength is invalidFilter / invalidPath, quickly', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_LENGTH + 1, max: 200_000 }), tokenArb, (length, token) => {
        const text = token.repeat(Math.ceil(length / token.length)).slice(0, length)
        expectQuickRejection(() => parseFilter(text), 'invalidFilter', text, /longer than/)
        expectQuickRejection(() => parsePatchPath(text), 'invalidPath', text, /longer than/)
      }),
      { numRuns: 50 },
    )
  })
})

// ---- 7. prototype safety (keep last: Jest runs the blocks in order) ----------------------------

describe('prototype safety', () => {
  test('nothing above added properties to Object.prototype', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_PROPERTIES)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
