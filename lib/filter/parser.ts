// Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2).
import type { ScimType } from '../../types/errors'
import type {
  AttributePath,
  ComparisonOperator,
  Filter,
  FilterValue,
  ParseFilterOptions,
  PatchPath,
} from '../../types/filter'
import { scimError } from '../errors'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../schema/core'
import { syntaxError } from './errors'

/** Defaults for `FilterLimits`: far above any IdP's filters, far below what could hurt the process. */
export const DEFAULT_FILTER_LIMITS = Object.freeze({ maxLength: 10_000, maxDepth: 32, maxTerms: 200 })

const BUILT_IN_SCHEMA_URNS = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const WORD_RUN = /[A-Za-z0-9_$:.-]*/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings must escape U+0000-U+001F (RFC 7159 §7).
const PLAIN_STRING_RUN = /[^"\\\u0000-\u001f]*/y

// Character codes used by the scanner.
const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_PAREN = 0x28
const CLOSE_PAREN = 0x29
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const DOT = 0x2e
const COLON = 0x3a

// Character classes, by code: a table lookup keeps the scanner's inner loops branch-light.
const ALPHA = 1 // A-Z a-z: may start ATTRNAME
const NAME = 2 // ALPHA DIGIT - _: may continue ATTRNAME
const WORD = 4 // NAME plus $ : . : may appear in a word (attribute path, keyword, URN)
const CLASSES = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
  const name = alpha || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f
  const word = name || c === 0x24 || c === COLON || c === DOT
  CLASSES[c] = (alpha ? ALPHA : 0) | (name ? NAME : 0) | (word ? WORD : 0)
}

/** Characters of an attribute path or keyword: ALPHA, DIGIT, `-`, `_`, `$`, and `:` / `.` for URNs and sub-attributes. */
function isWordChar(c: number): boolean {
  return c < 128 && (CLASSES[c]! & WORD) !== 0
}

/** ATTRNAME = ALPHA *(nameChar) (RFC 7644 §3.4.2.2), or `$ref` (RFC 7643 §2.3.7), over text[start, end). */
function isAttributeName(text: string, start: number, end: number): boolean {
  if (end <= start) return false
  const first = text.charCodeAt(start)
  if (first === 0x24) return end - start === 4 && text.startsWith('$ref', start)
  if (first >= 128 || (CLASSES[first]! & ALPHA) === 0) return false
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= 128 || (CLASSES[c]! & NAME) === 0) return false
  }
  return true
}

/** The end of the ATTRNAME (or `$ref`) starting at `start`; `start` itself when there is none. */
function scanName(text: string, start: number): number {
  const first = text.charCodeAt(start)
  if (first === 0x24) return text.startsWith('$ref', start) ? start + 4 : start
  if (!(first < 128 && (CLASSES[first]! & ALPHA) !== 0)) return start
  let end = start + 1
  for (;;) {
    const c = text.charCodeAt(end)
    if (!(c < 128 && (CLASSES[c]! & NAME) !== 0)) return end
    end++
  }
}

/** The two-letter operator at `start`, case-insensitively (RFC 7644 §3.4.2.2), without allocating a string. */
function operatorAt(text: string, start: number): ComparisonOperator | 'pr' | undefined {
  // | 0x20 lower-cases ASCII letters; the pair becomes one number to switch on.
  const pair = ((text.charCodeAt(start) | 0x20) << 8) | (text.charCodeAt(start + 1) | 0x20)
  switch (pair) {
    case 0x6571:
      return 'eq'
    case 0x6e65:
      return 'ne'
    case 0x636f:
      return 'co'
    case 0x7377:
      return 'sw'
    case 0x6577:
      return 'ew'
    case 0x6774:
      return 'gt'
    case 0x6765:
      return 'ge'
    case 0x6c74:
      return 'lt'
    case 0x6c65:
      return 'le'
    case 0x7072:
      return 'pr'
    default:
      return undefined
  }
}

function isNameWithRef(name: string): boolean {
  return isAttributeName(name, 0, name.length)
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`express-scim: filter limit "${name}" must be a positive integer`)
  }
  return value
}

/**
 * One parse of one text. The grammar methods mirror the ABNF of RFC 7644 §3.4.2.2; `depth` and `terms`
 * bound recursion and size so that hostile input fails fast instead of exhausting the stack.
 */
class Parser {
  private pos = 0
  private depth = 0
  /** The deepest nesting reached so far (for the depth the canonical text of a value path would need). */
  private deepest = 0
  private terms = 0

  constructor(
    private readonly text: string,
    private readonly scimType: ScimType,
    private readonly settings: ParserSettings,
  ) {}

  fail(message: string, position = this.pos): never {
    throw syntaxError(this.scimType, message, this.text, position)
  }

  // ---- scanning ---------------------------------------------------------------------------------

  skipSpace(): void {
    const { text } = this
    let c = text.charCodeAt(this.pos)
    while (c === SPACE || c === TAB || c === LF || c === CR) c = text.charCodeAt(++this.pos)
  }

  /** The end offset of the word starting at `pos` (equal to `pos` when none). */
  wordEnd(): number {
    const { text, pos } = this
    if (
      (text.charCodeAt(pos) | 0x20) === 0x75 && // u
      (text.charCodeAt(pos + 1) | 0x20) === 0x72 && // r
      (text.charCodeAt(pos + 2) | 0x20) === 0x6e && // n
      text.charCodeAt(pos + 3) === COLON
    ) {
      // Schema URNs are long; the regex engine scans long runs about twice as fast as a JavaScript loop.
      WORD_RUN.lastIndex = pos
      WORD_RUN.test(text)
      return WORD_RUN.lastIndex
    }
    const length = text.length
    let end = pos
    while (end < length) {
      const c = text.charCodeAt(end)
      if (c >= 128 || (CLASSES[c]! & WORD) === 0) break
      end++
    }
    return end
  }

  /** Consumes the keyword (case-insensitive, whole word) if it is next; RFC 7644 §3.4.2.2 keywords ignore case. */
  acceptKeyword(keyword: string): boolean {
    this.skipSpace()
    const { text, pos } = this
    // ASCII letters lower-case with | 0x20; the keywords are all letters.
    for (let i = 0; i < keyword.length; i++) {
      if ((text.charCodeAt(pos + i) | 0x20) !== keyword.charCodeAt(i)) return false
    }
    if (isWordChar(text.charCodeAt(pos + keyword.length))) return false
    this.pos = pos + keyword.length
    return true
  }

  expectChar(code: number, what: string): void {
    this.skipSpace()
    if (this.text.charCodeAt(this.pos) !== code) {
      this.fail(this.pos >= this.text.length ? `Expected ${what} but the text ended` : `Expected ${what}`)
    }
    this.pos++
  }

  enter(position: number): void {
    if (++this.depth > this.deepest) this.deepest = this.depth
    if (this.depth > this.settings.maxDepth) {
      this.fail(`Filter nests deeper than ${this.settings.maxDepth} levels`, position)
    }
  }

  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  expectEnd(): void {
    this.skipSpace()
    if (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos)
      this.fail(
        c === CLOSE_PAREN || c === CLOSE_BRACKET ? `Unbalanced '${this.text[this.pos]}'` : 'Unexpected text',
      )
    }
  }

  // ---- filters ------------------------------------------------------------------------------------

  /** FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")" — as `orExpression`, lowest precedence first. */
  parseFilter(inValuePath: boolean): Filter {
    return this.parseOrExpression(inValuePath)
  }

  /** logExp = FILTER SP "or" SP FILTER — `or` binds loosest (RFC 7644 §3.4.2.2, precedence). */
  parseOrExpression(inValuePath: boolean): Filter {
    const first = this.parseAndExpression(inValuePath)
    if (!this.acceptKeyword('or')) return first
    const filters = [first, this.parseAndExpression(inValuePath)]
    while (this.acceptKeyword('or')) filters.push(this.parseAndExpression(inValuePath))
    return { kind: 'or', filters }
  }

  /** logExp = FILTER SP "and" SP FILTER — `and` binds tighter than `or`. */
  parseAndExpression(inValuePath: boolean): Filter {
    const first = this.parseUnary(inValuePath)
    if (!this.acceptKeyword('and')) return first
    const filters = [first, this.parseUnary(inValuePath)]
    while (this.acceptKeyword('and')) filters.push(this.parseUnary(inValuePath))
    return { kind: 'and', filters }
  }

  /**
   * *1"not" "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath
   * (inside a value path, valFilter: the same without a nested valuePath).
   */
  parseUnary(inValuePath: boolean): Filter {
    this.skipSpace()
    const start = this.pos
    if (this.text.charCodeAt(this.pos) === OPEN_PAREN) {
      this.enter(start)
      this.pos++
      const inner = this.parseFilter(inValuePath)
      this.expectChar(CLOSE_PAREN, "')'")
      this.depth--
      return inner
    }
    if (this.acceptKeyword('not')) {
      this.skipSpace()
      if (this.text.charCodeAt(this.pos) === OPEN_PAREN) {
        this.enter(start)
        this.pos++
        const filter = this.parseFilter(inValuePath)
        this.expectChar(CLOSE_PAREN, "')'")
        this.depth--
        return { kind: 'not', filter }
      }
      this.pos = start // an attribute that happens to be called "not"
    }
    const path = this.parseAttributePath()
    this.skipSpace()
    if (this.text.charCodeAt(this.pos) === OPEN_BRACKET) {
      if (inValuePath) this.fail('A value path cannot nest inside another value path')
      return this.parseValuePath(path, start)
    }
    return this.parseAttributeExpression(path)
  }

  /** attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue) */
  parseAttributeExpression(path: AttributePath): Filter {
    if (++this.terms > this.settings.maxTerms)
      this.fail(`Filter has more than ${this.settings.maxTerms} terms`)
    this.skipSpace()
    const start = this.pos
    const end = this.wordEnd()
    if (end === start) {
      this.fail(
        start >= this.text.length ? 'Expected an operator but the text ended' : 'Expected an operator',
      )
    }
    this.pos = end
    const operator = end - start === 2 ? operatorAt(this.text, start) : undefined
    if (operator === 'pr') return { kind: 'present', path }
    if (operator === undefined) this.fail(`Unknown operator '${this.text.slice(start, end)}'`, start)
    const value = this.parseCompareValue()
    return { kind: 'comparison', path, operator, value }
  }

  /**
   * valuePath = attrPath "[" valFilter "]", optionally followed by "." subAttr and a comparison or `pr`:
   * Entra sends `emails[type eq "work"].value eq "x"`, which the ABNF lacks; it means the same as
   * `emails[type eq "work" and value eq "x"]`, and is parsed into that.
   */
  parseValuePath(path: AttributePath, start: number): Filter {
    if (path.subAttribute !== undefined)
      this.fail('A value path must name an attribute, not a sub-attribute', start)
    this.enter(start)
    this.pos++ // '['
    const outerDeepest = this.deepest
    this.deepest = this.depth
    const inner = this.parseFilter(true)
    const innerDeepest = this.deepest
    this.deepest = Math.max(outerDeepest, innerDeepest)
    this.expectChar(CLOSE_BRACKET, "']'")
    this.depth--
    if (this.text.charCodeAt(this.pos) !== DOT) return { kind: 'valuePath', path, filter: inner }
    this.pos++
    const nameStart = this.pos
    const name = this.text.slice(nameStart, this.wordEnd())
    if (!isNameWithRef(name)) this.fail('Expected a sub-attribute name after "]."', nameStart)
    this.pos += name.length
    const trailing = this.parseAttributeExpression({ kind: 'attributePath', attribute: name })
    if (inner.kind === 'and') {
      // `emails[a and b].c pr` is `emails[a and b and c pr]`: one chain, as the canonical text reads back.
      return { kind: 'valuePath', path, filter: { kind: 'and', filters: [...inner.filters, trailing] } }
    }
    if (inner.kind === 'or' && innerDeepest + 1 > this.settings.maxDepth) {
      // The canonical text `emails[(a or b) and c pr]` needs parentheses the source did not have; refuse
      // here rather than produce an AST whose text the parser would refuse.
      this.fail(`Filter nests deeper than ${this.settings.maxDepth} levels`, start)
    }
    return { kind: 'valuePath', path, filter: { kind: 'and', filters: [inner, trailing] } }
  }

  /** attrPath = [URI ":"] ATTRNAME *1subAttr; subAttr = "." ATTRNAME */
  parseAttributePath(): AttributePath {
    this.skipSpace()
    const { text } = this
    const start = this.pos
    let nameStart = start
    let schema: string | undefined
    if (
      (text.charCodeAt(start) | 0x20) === 0x75 && // u
      (text.charCodeAt(start + 1) | 0x20) === 0x72 && // r
      (text.charCodeAt(start + 2) | 0x20) === 0x6e && // n
      text.charCodeAt(start + 3) === COLON
    ) {
      // Fast path: a known schema URN, spelled as registered, then ":". One regex of literal alternatives
      // matches it without scanning the URN character by character, and the URN string is not copied.
      const { knownUrnPrefix, urnsByLength } = this.settings
      knownUrnPrefix.lastIndex = start
      if (!knownUrnPrefix.test(text)) return this.parseAttributePathSlowly(start)
      nameStart = knownUrnPrefix.lastIndex
      schema = urnsByLength.get(nameStart - start - 1) ?? text.slice(start, nameStart - 1)
    }
    // Fast path: one pass over ATTRNAME ["." ATTRNAME]. Anything irregular takes the general path.
    const attributeEnd = scanName(text, nameStart)
    let end = attributeEnd
    let subStart = -1
    if (text.charCodeAt(end) === DOT) {
      subStart = end + 1
      end = scanName(text, subStart)
    }
    if (attributeEnd === nameStart || end === subStart || isWordChar(text.charCodeAt(end))) {
      return this.parseAttributePathSlowly(start)
    }
    this.pos = end
    const attribute = text.slice(nameStart, attributeEnd)
    if (subStart === -1) {
      return schema === undefined
        ? { kind: 'attributePath', attribute }
        : { kind: 'attributePath', schema, attribute }
    }
    const subAttribute = text.slice(subStart, end)
    return schema === undefined
      ? { kind: 'attributePath', attribute, subAttribute }
      : { kind: 'attributePath', schema, attribute, subAttribute }
  }

  /**
   * The general reading of the word at `start` as an attribute path: a URN splits at its last colon (the
   * URN may hold dots such as `2.0`, the name may not hold colons), the name at its first dot. Throws a
   * positioned error when the word is not a valid path.
   */
  parseAttributePathSlowly(start: number): AttributePath {
    this.pos = start
    const end = this.wordEnd()
    if (end === start) {
      this.fail(
        start >= this.text.length ? 'Expected an attribute but the text ended' : 'Expected an attribute',
      )
    }
    const word = this.text.slice(start, end)
    let nameStart = 0
    let schema: string | undefined
    if (word.slice(0, 4).toLowerCase() === 'urn:') {
      nameStart = word.lastIndexOf(':') + 1
      if (nameStart === word.length) this.fail('Expected an attribute after the schema URN', end)
      schema = word.slice(0, nameStart - 1)
    }
    const name = word.slice(nameStart)
    const dot = name.indexOf('.')
    const attribute = dot === -1 ? name : name.slice(0, dot)
    if (!isNameWithRef(attribute)) this.fail(`Invalid attribute name '${attribute}'`, start + nameStart)
    const subAttribute = dot === -1 ? undefined : name.slice(dot + 1)
    if (subAttribute !== undefined && !isNameWithRef(subAttribute)) {
      this.fail(`Invalid sub-attribute name '${subAttribute}'`, start + nameStart + dot + 1)
    }
    this.pos = end
    return {
      kind: 'attributePath',
      ...(schema !== undefined ? { schema } : {}),
      attribute,
      ...(subAttribute !== undefined ? { subAttribute } : {}),
    }
  }

  /** compValue = false / null / true / number / string (JSON literals, RFC 7159). */
  parseCompareValue(): FilterValue {
    this.skipSpace()
    const start = this.pos
    const c = this.text.charCodeAt(start)
    if (c === QUOTE) return this.parseString()
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = start
      const match = NUMBER.exec(this.text)
      const end = start + (match ? match[0].length : 0)
      if (!match || isWordChar(this.text.charCodeAt(end))) this.fail('Invalid number', start)
      const value = Number(match[0])
      if (!Number.isFinite(value)) this.fail('Number out of range', start)
      this.pos = end
      return value
    }
    const end = this.wordEnd()
    const word = this.text.slice(start, end).toLowerCase()
    this.pos = end
    if (word === 'true') return true
    if (word === 'false') return false
    if (word === 'null') return null
    if (start >= this.text.length) this.fail('Expected a value but the text ended', start)
    return this.fail('Expected a value: a "string", a number, true, false or null', start)
  }

  /** string: a JSON string (RFC 7159 §7), escapes included. */
  parseString(): string {
    const { text } = this
    const start = this.pos
    const length = text.length
    // Fast path: a run with no quote, backslash or control character, then the closing quote.
    PLAIN_STRING_RUN.lastIndex = start + 1
    PLAIN_STRING_RUN.test(text)
    let i = PLAIN_STRING_RUN.lastIndex
    if (text.charCodeAt(i) === QUOTE) {
      this.pos = i + 1
      return text.slice(start + 1, i)
    }
    let escaped = false
    for (; i < length; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        escaped = true
        i++
      } else if (c < 0x20) {
        // RFC 7159 §7: control characters must be escaped inside a JSON string.
        this.fail('Control character in string', i)
      }
    }
    if (i >= length) this.fail('Unterminated string', start)
    this.pos = i + 1
    if (!escaped) return text.slice(start + 1, i)
    try {
      return JSON.parse(text.slice(start, i + 1)) as string
    } catch {
      return this.fail('Invalid escape in string', start)
    }
  }

  // ---- PATCH paths ------------------------------------------------------------------------------

  /**
   * PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2), or a bare schema URN naming a whole
   * extension, which PATCH allows as the target of a path.
   */
  parsePatchPath(): PatchPath {
    this.skipSpace()
    const start = this.pos
    const end = this.wordEnd()
    if (end === start) this.fail(start >= this.text.length ? 'Empty path' : 'Expected an attribute')
    const word = this.text.slice(start, end)
    const lower = word.toLowerCase()
    const wholeSchema = this.settings.schemaUrns.find((urn) => urn.toLowerCase() === lower)
    if (wholeSchema !== undefined) {
      this.pos = end
      this.expectEnd()
      return { kind: 'patchPath', schema: word }
    }
    const path = this.parseAttributePath()
    this.skipSpace()
    if (this.text.charCodeAt(this.pos) !== OPEN_BRACKET) {
      this.expectEnd()
      return { kind: 'patchPath', ...withoutKind(path) }
    }
    if (path.subAttribute !== undefined)
      this.fail('A value path must name an attribute, not a sub-attribute', start)
    this.enter(this.pos)
    this.pos++
    const valueFilter = this.parseFilter(true)
    this.expectChar(CLOSE_BRACKET, "']'")
    this.depth--
    let subAttribute: string | undefined
    if (this.text.charCodeAt(this.pos) === DOT) {
      this.pos++
      const nameStart = this.pos
      subAttribute = this.text.slice(nameStart, this.wordEnd())
      if (!isNameWithRef(subAttribute)) this.fail('Expected a sub-attribute name after "]."', nameStart)
      this.pos += subAttribute.length
    }
    this.expectEnd()
    return {
      kind: 'patchPath',
      ...(path.schema !== undefined ? { schema: path.schema } : {}),
      attribute: path.attribute,
      valueFilter,
      ...(subAttribute !== undefined ? { subAttribute } : {}),
    }
  }
}

function withoutKind(path: AttributePath): Omit<AttributePath, 'kind'> {
  const { kind: _kind, ...rest } = path
  return rest
}

/** Parser options checked and compiled once: limits, and the known schema URNs as a regex and a table. */
interface ParserSettings {
  readonly maxLength: number
  readonly maxDepth: number
  readonly maxTerms: number
  readonly schemaUrns: readonly string[]
  /** Sticky regex matching any known URN followed by ":". */
  readonly knownUrnPrefix: RegExp
  /** Known URNs by length, where the length alone identifies one; others are sliced from the text. */
  readonly urnsByLength: ReadonlyMap<number, string>
}

function compileSettings(options: ParseFilterOptions): ParserSettings {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('express-scim: parser options must be an object')
  const schemaUrns = options.schemaUrns ?? BUILT_IN_SCHEMA_URNS
  if (!Array.isArray(schemaUrns) || !schemaUrns.every((u) => typeof u === 'string' && /^urn:/i.test(u))) {
    throw new TypeError('express-scim: "schemaUrns" must be an array of URN strings')
  }
  const lengths = new Map<number, number>()
  for (const urn of schemaUrns) lengths.set(urn.length, (lengths.get(urn.length) ?? 0) + 1)
  return {
    maxLength: checkLimit('maxLength', options.maxLength, DEFAULT_FILTER_LIMITS.maxLength),
    maxDepth: checkLimit('maxDepth', options.maxDepth, DEFAULT_FILTER_LIMITS.maxDepth),
    maxTerms: checkLimit('maxTerms', options.maxTerms, DEFAULT_FILTER_LIMITS.maxTerms),
    schemaUrns,
    knownUrnPrefix: new RegExp(`${alternation(schemaUrns) || '(?!)'}:`, 'y'),
    urnsByLength: new Map(schemaUrns.filter((u) => lengths.get(u.length) === 1).map((u) => [u.length, u])),
  }
}

/**
 * A regex source matching exactly the given strings, with shared prefixes factored out
 * (`urn:ietf:params:scim:schemas:(?:core:2\.0:(?:User|Group)|extension:…)`), so that the engine reads
 * the prefix every known URN shares once instead of once per URN.
 */
function alternation(strings: readonly string[]): string {
  const unique = [...new Set(strings)]
  if (unique.length === 0) return ''
  if (unique.length === 1) return escapeRegex(unique[0]!)
  let prefix = unique[0]!
  for (const s of unique) while (!s.startsWith(prefix)) prefix = prefix.slice(0, -1)
  const byFirst = new Map<string, string[]>()
  let empty = false
  for (const s of unique) {
    const rest = s.slice(prefix.length)
    if (rest === '') empty = true
    else byFirst.set(rest[0]!, [...(byFirst.get(rest[0]!) ?? []), rest])
  }
  const branches = [...byFirst.values()].map(alternation)
  const group = `(?:${branches.join('|')})${empty ? '?' : ''}`
  return escapeRegex(prefix) + (branches.length === 1 && !empty ? branches[0] : group)
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const DEFAULT_SETTINGS = compileSettings({})

function checkText(text: unknown, scimType: ScimType, what: string, settings: ParserSettings): string {
  if (typeof text !== 'string') throw scimError(400, scimType, `The ${what} must be a string`)
  // Checked before any scanning, so a megabyte of text costs nothing.
  if (text.length > settings.maxLength) {
    throw scimError(400, scimType, `The ${what} is longer than ${settings.maxLength} characters`)
  }
  return text
}

function parseFilterWith(text: string, settings: ParserSettings): Filter {
  const source = checkText(text, 'invalidFilter', 'filter', settings)
  const parser = new Parser(source, 'invalidFilter', settings)
  parser.skipSpace()
  if (parser.atEnd()) throw scimError(400, 'invalidFilter', 'The filter is empty')
  const filter = parser.parseFilter(false)
  parser.expectEnd()
  return filter
}

function parsePatchPathWith(text: string, settings: ParserSettings): PatchPath {
  const source = checkText(text, 'invalidPath', 'path', settings)
  return new Parser(source, 'invalidPath', settings).parsePatchPath()
}

/** A filter and PATCH-path parser with its options checked and compiled once. */
export interface FilterParser {
  /** `parseFilter()` with this parser's options. */
  readonly parseFilter: (text: string) => Filter
  /** `parsePatchPath()` with this parser's options. */
  readonly parsePatchPath: (text: string) => PatchPath
}

/**
 * Checks options once (`TypeError` on a bad limit or URN list) and returns parsers bound to them: what a
 * router or store that parses many filters with its own limits or extension URNs should hold.
 */
export function createFilterParser(options?: ParseFilterOptions): FilterParser {
  const settings = options === undefined ? DEFAULT_SETTINGS : compileSettings(options)
  return {
    parseFilter: (text) => parseFilterWith(text, settings),
    parsePatchPath: (text) => parsePatchPathWith(text, settings),
  }
}

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) into a readonly, `kind`-tagged AST.
 * Throws a SCIM 400 `invalidFilter` error whose detail names the position, for any malformed or
 * oversized input. Names and operators are case-insensitive; the AST keeps names as written.
 */
export function parseFilter(text: string, options?: ParseFilterOptions): Filter {
  return parseFilterWith(text, options === undefined ? DEFAULT_SETTINGS : compileSettings(options))
}

/**
 * Parses a PATCH operation path (RFC 7644 §3.5.2): `name.givenName`, `members[value eq "2819c223"]`,
 * `emails[type eq "work"].value`, URN-qualified paths, or a bare extension URN.
 * Throws a SCIM 400 `invalidPath` error for malformed input.
 */
export function parsePatchPath(text: string, options?: ParseFilterOptions): PatchPath {
  return parsePatchPathWith(text, options === undefined ? DEFAULT_SETTINGS : compileSettings(options))
}
