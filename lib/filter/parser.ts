// Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2), over scanner.ts.
import type { ScimType } from '../../types/errors'
import type { AttributePath, Filter, ParseFilterOptions, PatchPath } from '../../types/filter'
import { type Dialect, readDialect, readsValuePathSubAttribute } from '../dialect'
import { configError, scimError } from '../errors'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../schema/core'
import {
  compileKnownUrns,
  type KnownUrns,
  readAttributePath,
  readSubAttributeName,
  wholeSchemaAt,
} from './path'
import { CLOSE_BRACKET, CLOSE_PAREN, DOT, OPEN_BRACKET, OPEN_PAREN, Scanner } from './scanner'

/** Defaults for `FilterLimits`: far above any IdP's filters, far below what could hurt the process. */
export const DEFAULT_FILTER_LIMITS = Object.freeze({ maxLength: 10_000, maxDepth: 32, maxTerms: 200 })

const BUILT_IN_SCHEMA_URNS = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]

const STRICT_TRAILING_SUB_ATTRIBUTE =
  'A value path cannot be followed by a sub-attribute under the strict dialect (RFC 7644 §3.4.2.2): ' +
  'write the condition inside the brackets'

/**
 * One parse of one text. The grammar methods mirror the ABNF of RFC 7644 §3.4.2.2; `depth` and `terms`
 * bound recursion and size so that hostile input fails fast instead of exhausting the stack.
 */
class Parser {
  // Assigned in the constructor, not with field initialisers: see Scanner.
  declare private depth: number
  /** The deepest nesting reached so far (for the depth the canonical text of a value path would need). */
  declare private deepest: number
  /** The deepest nesting reached inside the last bracketed value filter. */
  declare private bracketDeepest: number
  declare private terms: number
  declare private readonly scanner: Scanner
  declare private readonly settings: ParserSettings

  constructor(scanner: Scanner, settings: ParserSettings) {
    this.scanner = scanner
    this.settings = settings
    this.depth = 0
    this.deepest = 0
    this.bracketDeepest = 0
    this.terms = 0
  }

  /** One more level of nesting, opened at `position`; fails beyond `maxDepth`. */
  private enter(position: number): void {
    if (++this.depth > this.deepest) this.deepest = this.depth
    if (this.depth > this.settings.maxDepth) this.failTooDeep(position)
  }

  private failTooDeep(position: number): never {
    return this.scanner.fail(`Filter nests deeper than ${this.settings.maxDepth} levels`, position)
  }

  // ---- filters ------------------------------------------------------------------------------------

  /** FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")" — as `orExpression`, lowest precedence first. */
  parseFilter(inValuePath: boolean): Filter {
    return this.parseOrExpression(inValuePath)
  }

  /** logExp = FILTER SP "or" SP FILTER — `or` binds loosest (RFC 7644 §3.4.2.2, precedence). */
  private parseOrExpression(inValuePath: boolean): Filter {
    const first = this.parseAndExpression(inValuePath)
    if (!this.scanner.acceptKeyword('or')) return first
    const filters = [first, this.parseAndExpression(inValuePath)]
    while (this.scanner.acceptKeyword('or')) filters.push(this.parseAndExpression(inValuePath))
    return { kind: 'or', filters }
  }

  /** logExp = FILTER SP "and" SP FILTER — `and` binds tighter than `or`. */
  private parseAndExpression(inValuePath: boolean): Filter {
    const first = this.parseUnary(inValuePath)
    if (!this.scanner.acceptKeyword('and')) return first
    const filters = [first, this.parseUnary(inValuePath)]
    while (this.scanner.acceptKeyword('and')) filters.push(this.parseUnary(inValuePath))
    return { kind: 'and', filters }
  }

  /**
   * *1"not" "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath
   * (inside a value path, valFilter: the same without a nested valuePath).
   */
  private parseUnary(inValuePath: boolean): Filter {
    const { scanner } = this
    scanner.skipSpace()
    const start = scanner.pos
    if (scanner.peek() === OPEN_PAREN) return this.parseGroup(start, inValuePath)
    if (scanner.acceptKeywordHere('not')) {
      scanner.skipSpace()
      if (scanner.peek() === OPEN_PAREN) return { kind: 'not', filter: this.parseGroup(start, inValuePath) }
      scanner.pos = start // an attribute that happens to be called "not"
    }
    const path = readAttributePath(scanner, this.settings.knownUrns)
    scanner.skipSpace()
    if (scanner.peek() === OPEN_BRACKET) {
      if (inValuePath) scanner.fail('A value path cannot nest inside another value path')
      return this.parseValuePath(path, start)
    }
    return this.parseAttributeExpression(path)
  }

  /** "(" FILTER ")", one level deeper; `start` is where the group (or its `not`) begins. */
  private parseGroup(start: number, inValuePath: boolean): Filter {
    this.enter(start)
    this.scanner.pos++ // '('
    const inner = this.parseFilter(inValuePath)
    this.scanner.expectChar(CLOSE_PAREN, "')'")
    this.depth--
    return inner
  }

  /** attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue) */
  private parseAttributeExpression(path: AttributePath): Filter {
    if (++this.terms > this.settings.maxTerms) {
      this.scanner.fail(`Filter has more than ${this.settings.maxTerms} terms`)
    }
    const operator = this.scanner.readOperator()
    if (operator === 'pr') return { kind: 'present', path }
    return { kind: 'comparison', path, operator, value: this.scanner.readValue() }
  }

  /** valuePath = attrPath "[" valFilter "]", optionally followed by Entra's "." subAttr comparison. */
  private parseValuePath(path: AttributePath, start: number): Filter {
    const inner = this.parseBracketedFilter(path, start)
    if (this.scanner.peek() !== DOT) return { kind: 'valuePath', path, filter: inner }
    return this.parseTrailingSubAttribute(path, inner, start)
  }

  /**
   * Entra ID sends `emails[type eq "work"].value eq "x"`, which the ABNF lacks; it means the same as
   * `emails[type eq "work" and value eq "x"]`, and is parsed into that unless the dialect is strict
   * (lib/dialect.ts `readsValuePathSubAttribute`). The scanner is at the ".".
   */
  private parseTrailingSubAttribute(path: AttributePath, inner: Filter, start: number): Filter {
    const { scanner } = this
    if (!readsValuePathSubAttribute(this.settings.dialect)) scanner.fail(STRICT_TRAILING_SUB_ATTRIBUTE)
    scanner.pos++ // '.'
    const innerDeepest = this.bracketDeepest
    const name = readSubAttributeName(scanner)
    const trailing = this.parseAttributeExpression({ kind: 'attributePath', attribute: name })
    if (inner.kind === 'and') {
      // `emails[a and b].c pr` is `emails[a and b and c pr]`: one chain, as the canonical text reads back.
      return { kind: 'valuePath', path, filter: { kind: 'and', filters: [...inner.filters, trailing] } }
    }
    if (inner.kind === 'or' && innerDeepest + 1 > this.settings.maxDepth) {
      // The canonical text `emails[(a or b) and c pr]` needs parentheses the source did not have; refuse
      // here rather than produce an AST whose text the parser would refuse.
      this.failTooDeep(start)
    }
    return { kind: 'valuePath', path, filter: { kind: 'and', filters: [inner, trailing] } }
  }

  /**
   * "[" valFilter "]" after `path` (which began at `start`): the value filter of a filter's valuePath
   * and of a PATCH path alike. Records the deepest nesting inside it in `bracketDeepest`.
   */
  private parseBracketedFilter(path: AttributePath, start: number): Filter {
    const { scanner } = this
    if (path.subAttribute !== undefined)
      scanner.fail('A value path must name an attribute, not a sub-attribute', start)
    this.enter(start)
    scanner.pos++ // '['
    const outerDeepest = this.deepest
    this.deepest = this.depth
    const inner = this.parseFilter(true)
    this.bracketDeepest = this.deepest
    this.deepest = Math.max(outerDeepest, this.bracketDeepest)
    scanner.expectChar(CLOSE_BRACKET, "']'")
    this.depth--
    return inner
  }

  // ---- PATCH paths ------------------------------------------------------------------------------

  /**
   * PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2), or a bare schema URN naming a whole
   * extension, which PATCH allows as the target of a path.
   */
  parsePatchPath(): PatchPath {
    const { scanner } = this
    scanner.skipSpace()
    const start = scanner.pos
    if (scanner.wordEnd() === start) scanner.fail(scanner.atEnd() ? 'Empty path' : 'Expected an attribute')
    const schema = wholeSchemaAt(scanner, this.settings.schemaUrns)
    if (schema !== undefined) {
      scanner.pos = start + schema.length
      scanner.expectEnd()
      return { kind: 'patchPath', schema }
    }
    const path = readAttributePath(scanner, this.settings.knownUrns)
    scanner.skipSpace()
    if (scanner.peek() === OPEN_BRACKET) return this.parsePatchValuePath(path, start)
    scanner.expectEnd()
    return { kind: 'patchPath', ...withoutKind(path) }
  }

  /** valuePath [subAttr] of a PATCH path: `emails[type eq "work"].value` (RFC 7644 §3.5.2). */
  private parsePatchValuePath(path: AttributePath, start: number): PatchPath {
    const { scanner } = this
    const valueFilter = this.parseBracketedFilter(path, start)
    let subAttribute: string | undefined
    if (scanner.peek() === DOT) {
      scanner.pos++
      subAttribute = readSubAttributeName(scanner)
    }
    scanner.expectEnd()
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

// ---- options ------------------------------------------------------------------------------------

/** Parser options checked and compiled once: limits, known schema URNs and the dialect. */
interface ParserSettings {
  readonly maxLength: number
  readonly maxDepth: number
  readonly maxTerms: number
  readonly schemaUrns: readonly string[]
  readonly knownUrns: KnownUrns
  readonly dialect: Dialect
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw configError('ERR_INVALID_OPTION', `filter limit "${name}" must be a positive integer`)
  }
  return value
}

function compileSettings(options: ParseFilterOptions): ParserSettings {
  if (typeof options !== 'object' || options === null)
    throw configError('ERR_INVALID_OPTION', 'parser options must be an object')
  const schemaUrns = options.schemaUrns ?? BUILT_IN_SCHEMA_URNS
  if (!Array.isArray(schemaUrns) || !schemaUrns.every((u) => typeof u === 'string' && /^urn:/i.test(u))) {
    throw configError('ERR_INVALID_OPTION', '"schemaUrns" must be an array of URN strings')
  }
  return {
    maxLength: checkLimit('maxLength', options.maxLength, DEFAULT_FILTER_LIMITS.maxLength),
    maxDepth: checkLimit('maxDepth', options.maxDepth, DEFAULT_FILTER_LIMITS.maxDepth),
    maxTerms: checkLimit('maxTerms', options.maxTerms, DEFAULT_FILTER_LIMITS.maxTerms),
    schemaUrns,
    knownUrns: compileKnownUrns(schemaUrns),
    dialect: readDialect(options.dialect, 'the filter parser option'),
  }
}

const DEFAULT_SETTINGS = compileSettings({})

// ---- entry points -------------------------------------------------------------------------------

function checkText(text: unknown, scimType: ScimType, what: string, settings: ParserSettings): string {
  if (typeof text !== 'string') throw scimError(400, scimType, `The ${what} must be a string`)
  // Checked before any scanning, so a megabyte of text costs nothing.
  if (text.length > settings.maxLength) {
    throw scimError(400, scimType, `The ${what} is longer than ${settings.maxLength} characters`)
  }
  return text
}

function parseFilterWith(text: string, settings: ParserSettings): Filter {
  const scanner = new Scanner(checkText(text, 'invalidFilter', 'filter', settings), 'invalidFilter')
  scanner.skipSpace()
  if (scanner.atEnd()) throw scimError(400, 'invalidFilter', 'The filter is empty')
  const filter = new Parser(scanner, settings).parseFilter(false)
  scanner.expectEnd()
  return filter
}

function parsePatchPathWith(text: string, settings: ParserSettings): PatchPath {
  const scanner = new Scanner(checkText(text, 'invalidPath', 'path', settings), 'invalidPath')
  return new Parser(scanner, settings).parsePatchPath()
}

/** A filter and PATCH-path parser with its options checked and compiled once. */
export interface FilterParser {
  /** `parseFilter()` with this parser's options. */
  readonly parseFilter: (text: string) => Filter
  /** `parsePatchPath()` with this parser's options. */
  readonly parsePatchPath: (text: string) => PatchPath
}

/**
 * Checks options once (`TypeError` on a bad limit, URN list or dialect) and returns parsers bound to
 * them: what a router or store that parses many filters with its own limits or extension URNs should
 * hold. `dialect` (default `lenient`) decides whether Entra ID's `emails[type eq "work"].value eq "x"`
 * is read (lib/dialect.ts `readsValuePathSubAttribute`); `strict` refuses it as invalidFilter.
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
