// Scanner of filter and PATCH-path text (RFC 7644 §3.4.2.2, §3.5.2): positions, white space, words, names, operators and JSON literals.
import type { ScimType } from '../../types/errors'
import type { ComparisonOperator, FilterValue } from '../../types/filter'
import { syntaxError } from './errors'

/** `(`: the parser compares character codes, so that peeking allocates nothing. */
export const OPEN_PAREN = 0x28
/** `)` */
export const CLOSE_PAREN = 0x29
/** `[` */
export const OPEN_BRACKET = 0x5b
/** `]` */
export const CLOSE_BRACKET = 0x5d
/** `.` */
export const DOT = 0x2e

const QUOTE = 0x22
const COLON = 0x3a
const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const BACKSLASH = 0x5c
const DOLLAR = 0x24
const MINUS = 0x2d

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const WORD_RUN = /[A-Za-z0-9_$:.-]*/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings must escape U+0000-U+001F (RFC 7159 §7).
const PLAIN_STRING_RUN = /[^"\\\u0000-\u001f]*/y

// Character classes, by code: a table lookup keeps the inner loops branch-light.
const ALPHA = 1 // A-Z a-z: may start ATTRNAME
const NAME = 2 // ALPHA DIGIT - _: may continue ATTRNAME
const WORD = 4 // NAME plus $ : . : may appear in a word (attribute path, keyword, URN)
const CLASSES = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
  const name = alpha || (c >= 0x30 && c <= 0x39) || c === MINUS || c === 0x5f
  const word = name || c === DOLLAR || c === COLON || c === DOT
  CLASSES[c] = (alpha ? ALPHA : 0) | (name ? NAME : 0) | (word ? WORD : 0)
}

/** Characters of an attribute path or keyword: ALPHA, DIGIT, `-`, `_`, `$`, and `:` / `.` for URNs and sub-attributes. */
export function isWordChar(c: number): boolean {
  return c < 128 && (CLASSES[c]! & WORD) !== 0
}

/** True when `text` has `urn:` (any case) at `start`: a schema URN or a URN-qualified path begins there. */
export function isUrnAt(text: string, start: number): boolean {
  return (
    (text.charCodeAt(start) | 0x20) === 0x75 && // u
    (text.charCodeAt(start + 1) | 0x20) === 0x72 && // r
    (text.charCodeAt(start + 2) | 0x20) === 0x6e && // n
    text.charCodeAt(start + 3) === COLON
  )
}

/** The end of the ATTRNAME (RFC 7644 §3.4.2.2) or `$ref` (RFC 7643 §2.3.7) at `start` of `text`; `start` when none. */
export function nameEnd(text: string, start: number): number {
  const first = text.charCodeAt(start)
  if (first === DOLLAR) return text.startsWith('$ref', start) ? start + 4 : start
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

/**
 * A cursor over one text. The parser asks for what the grammar expects next (a keyword, a name, an
 * operator, a literal); the scanner reads it at `pos` and throws a positioned SCIM 400 of `scimType`
 * when the text holds something else. Reading on demand keeps the scan free of token objects, and
 * lets `not` be a keyword or an attribute name as its context decides.
 */
export class Scanner {
  // Fields are assigned in the constructor rather than declared with initialisers: V8 runs class-field
  // initialisers as a separate step, a measurable cost on an object made for every filter of every GET.
  /** The offset of the next character to read, in UTF-16 code units. */
  declare pos: number
  /** The whole text being read. */
  declare readonly text: string
  /** `invalidFilter` or `invalidPath`: the scimType of every error of this text. */
  declare readonly scimType: ScimType

  constructor(text: string, scimType: ScimType) {
    this.pos = 0
    this.text = text
    this.scimType = scimType
  }

  /** Throws the 400 of this text, naming `position` (by default the current one) with an excerpt. */
  fail(message: string, position = this.pos): never {
    throw syntaxError(this.scimType, message, this.text, position)
  }

  /** Fails with `Expected <what>`, saying so when the text ended instead. */
  failExpecting(what: string): never {
    return this.fail(this.atEnd() ? `Expected ${what} but the text ended` : `Expected ${what}`)
  }

  /** The code unit at `pos` (NaN at the end). */
  peek(): number {
    return this.text.charCodeAt(this.pos)
  }

  /** True when every character has been read. */
  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  /** Skips SP, HTAB, LF and CR: requests arrive with any of them between tokens. */
  skipSpace(): void {
    const { text } = this
    let c = text.charCodeAt(this.pos)
    while (c === SPACE || c === TAB || c === LF || c === CR) c = text.charCodeAt(++this.pos)
  }

  /** The end offset of the word starting at `start` (equal to `start` when none). */
  wordEnd(start = this.pos): number {
    const { text } = this
    if (isUrnAt(text, start)) {
      // Schema URNs are long; the regex engine scans long runs about twice as fast as a JavaScript loop.
      WORD_RUN.lastIndex = start
      WORD_RUN.test(text)
      return WORD_RUN.lastIndex
    }
    const length = text.length
    let end = start
    while (end < length) {
      const c = text.charCodeAt(end)
      if (c >= 128 || (CLASSES[c]! & WORD) === 0) break
      end++
    }
    return end
  }

  /** True when `keyword` (lower-case letters) is spelled at `start` in any case. */
  private spells(keyword: string, start: number): boolean {
    const { text } = this
    // ASCII letters lower-case with | 0x20; the keywords are all letters.
    for (let i = 0; i < keyword.length; i++) {
      if ((text.charCodeAt(start + i) | 0x20) !== keyword.charCodeAt(i)) return false
    }
    return true
  }

  /** Consumes the keyword (case-insensitive, whole word) if it is next after white space. */
  acceptKeyword(keyword: string): boolean {
    this.skipSpace()
    return this.acceptKeywordHere(keyword)
  }

  /** Consumes the keyword if it is at `pos`: lower-case letters, read in any case (RFC 7644 §3.4.2.2), as a whole word. */
  acceptKeywordHere(keyword: string): boolean {
    const { pos } = this
    if (!this.spells(keyword, pos) || isWordChar(this.text.charCodeAt(pos + keyword.length))) return false
    this.pos = pos + keyword.length
    return true
  }

  /** Consumes the character `code` after white space, or fails naming `what` was expected. */
  expectChar(code: number, what: string): void {
    this.skipSpace()
    if (this.text.charCodeAt(this.pos) !== code) this.failExpecting(what)
    this.pos++
  }

  /** Fails unless only white space is left. */
  expectEnd(): void {
    this.skipSpace()
    if (this.atEnd()) return
    const c = this.peek()
    this.fail(
      c === CLOSE_PAREN || c === CLOSE_BRACKET ? `Unbalanced '${this.text[this.pos]}'` : 'Unexpected text',
    )
  }

  /** compareOp / "pr" (RFC 7644 §3.4.2.2), in any case, returned lower-case. */
  readOperator(): ComparisonOperator | 'pr' {
    this.skipSpace()
    const start = this.pos
    const end = this.wordEnd()
    if (end === start) this.failExpecting('an operator')
    this.pos = end
    const operator = end - start === 2 ? operatorAt(this.text, start) : undefined
    if (operator === undefined) this.fail(`Unknown operator '${this.text.slice(start, end)}'`, start)
    return operator
  }

  /** compValue = false / null / true / number / string (JSON literals, RFC 7159; the names in any case). */
  readValue(): FilterValue {
    this.skipSpace()
    const start = this.pos
    const c = this.text.charCodeAt(start)
    if (c === QUOTE) return this.readString()
    if (c === MINUS || (c >= 0x30 && c <= 0x39)) return this.readNumber()
    return this.readNamedValue()
  }

  /** true / false / null, in any case (RFC 7644 §3.4.2.2 reads them so); anything else is no value. */
  private readNamedValue(): boolean | null {
    const start = this.pos
    const end = this.wordEnd()
    this.pos = end
    if (end - start === 4 && this.spells('true', start)) return true
    if (end - start === 5 && this.spells('false', start)) return false
    if (end - start === 4 && this.spells('null', start)) return null
    if (start >= this.text.length) this.fail('Expected a value but the text ended', start)
    return this.fail('Expected a value: a "string", a number, true, false or null', start)
  }

  /** number: a JSON number (RFC 7159 §6) that ends the word and fits a double. */
  private readNumber(): number {
    const start = this.pos
    NUMBER.lastIndex = start
    const match = NUMBER.exec(this.text)
    const end = start + (match ? match[0].length : 0)
    if (!match || isWordChar(this.text.charCodeAt(end))) this.fail('Invalid number', start)
    const value = Number(match[0])
    if (!Number.isFinite(value)) this.fail('Number out of range', start)
    this.pos = end
    return value
  }

  /** string: a JSON string (RFC 7159 §7), escapes included; `pos` is at its opening quote. */
  private readString(): string {
    const { text } = this
    const start = this.pos
    // Fast path: a run with no quote, backslash or control character, then the closing quote.
    PLAIN_STRING_RUN.lastIndex = start + 1
    PLAIN_STRING_RUN.test(text)
    const i = PLAIN_STRING_RUN.lastIndex
    if (text.charCodeAt(i) === QUOTE) {
      this.pos = i + 1
      return text.slice(start + 1, i)
    }
    return this.readEscapedString(start, i)
  }

  /** The rest of the string opened at `start`, from `from` where the plain run stopped: escapes, a control character, or the end. */
  private readEscapedString(start: number, from: number): string {
    const { text } = this
    const length = text.length
    let escaped = false
    let i = from
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
}
