// Unit tests of the identifier policy: RFC 8265 UsernameCasePreserved for userName, OpaqueString for group names, refusals that never quote invisible characters.
import fc from 'fast-check'
import {
  codePointLabel,
  type IdentifierProfile,
  identifierAttributesOf,
  identifierKey,
  identifierProblem,
  ruleProblem,
} from '../../lib/schema/identifiers'

const user = (value: string) => identifierProblem(value, 'UsernameCasePreserved')
const group = (value: string) => identifierProblem(value, 'OpaqueString')

/** Characters that must never appear raw in a refusal. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u00a0]/u

describe('identifierProblem: what both profiles refuse', () => {
  it.each<[string, string, RegExp]>([
    ['empty', '', /must not be empty/],
    ['spaces only', '   ', /white space/],
    ['a trailing space', 'root ', /begin or end with white space/],
    ['a leading tab', '\troot', /begin or end with white space/],
    ['a trailing line separator', 'root\u2028', /begin or end with white space/],
    ['a leading ideographic space', '\u3000root', /begin or end with white space/],
    ['CR LF inside', 'ro\r\not', /control characters.*U\+000D/],
    ['a NUL inside', 'ro\u0000ot', /control characters.*U\+0000/],
    ['a DEL inside', 'ro\u007fot', /control characters.*U\+007F/],
    ['a C1 control inside', 'ro\u0085ot', /control characters.*U\+0085/],
    ['a line separator inside', 'ro\u2028ot', /separators.*U\+2028/],
    ['a zero-width space', 'jo\u200bse', /invisible.*U\+200B/],
    ['a zero-width non-joiner', 'jo\u200cse', /invisible.*U\+200C/],
    ['a zero-width joiner', 'jo\u200dse', /invisible.*U\+200D/],
    ['a word joiner', 'jo\u2060se', /invisible.*U\+2060/],
    ['a soft hyphen', 'jo\u00adse', /invisible.*U\+00AD/],
    ['a byte order mark', '\ufeffjose', /invisible.*U\+FEFF/],
    ['a right-to-left override', 'jose\u202e', /invisible.*U\+202E/],
    ['a Hangul filler', 'jose\u3164', /invisible.*U\+3164/],
    ['a variation selector', 'jose\ufe0f', /invisible.*U\+FE0F/],
    ['a combining grapheme joiner', 'jo\u034fse', /invisible.*U\+034F/],
    ['a tag character', 'jose\u{e0041}', /invisible.*U\+E0041/],
    ['an unpaired surrogate', 'jo\ud800se', /unpaired surrogate U\+D800/],
    ['a noncharacter', 'jo\ufdd0se', /noncharacters.*U\+FDD0/],
    ['a private-use character', 'jo\ue000se', /private-use.*U\+E000/],
    ['an unassigned code point', 'jo\u0378se', /unassigned.*U\+0378/],
    ['an old Hangul jamo', '\u1100\u1161\u11a8x\u1112', /NFC|jamo/],
    ['NFD', 'jose\u0301', /NFC/],
    ['a singleton decomposition (Angstrom sign)', '\u212bngstr\u00f6m', /NFC/],
  ])('refuses %s in both profiles', (_, value, message) => {
    for (const problem of [user(value), group(value)]) {
      expect(problem).toMatch(message)
      expect(problem).not.toMatch(INVISIBLE)
    }
  })

  it('refuses a non-string', () => {
    expect(user(1 as unknown as string)).toBe('must be a string')
  })
})

describe('identifierProblem: userName (UsernameCasePreserved over IdentifierClass)', () => {
  it.each<[string, string, RegExp]>([
    ['fullwidth letters', '\uff52\uff4f\uff4f\uff54', /normal-width.*U\+FF52/],
    ['one fullwidth letter', 'roo\uff54', /normal-width.*U\+FF54/],
    ['a fullwidth commercial at', 'root\uff20example.com', /normal-width.*U\+FF20/],
    ['halfwidth katakana', '\uff76\uff85', /normal-width.*U\+FF76/],
    ['an ideographic space inside', 'ro\u3000ot', /normal-width.*U\+3000/],
    ['a space', 'ro ot', /spaces \(found U\+0020\)/],
    ['a no-break space', 'ro\u00a0ot', /spaces \(found U\+00A0\)/],
    ['an en space', 'ro\u2002ot', /spaces \(found U\+2002\)/],
    ['mathematical bold letters', '\u{1d42b}\u{1d428}\u{1d428}\u{1d42d}', /compatibility.*U\+1D42B/],
    ['a ligature', 'de\ufb01ne', /compatibility.*U\+FB01/],
    ['a superscript', 'user\u00b2', /compatibility.*U\+00B2/],
    ['a circled letter', '\u24e1oot', /compatibility.*U\+24E1/],
    ['a Roman numeral', 'louis\u2168', /compatibility.*U\+2168/],
    ['a right single quotation mark', 'o\u2019brien', /letters, digits.*U\+2019/],
    ['an em dash', 'a\u2014b', /letters, digits.*U\+2014/],
    ['an emoji', 'rocket\u{1f680}', /letters, digits.*U\+1F680/],
    ['a middle dot (CONTEXTO)', 'l\u00b7l', /letters, digits.*U\+00B7/],
    ['an Arabic tatweel (RFC 5892 exception)', '\u0645\u0640\u0645', /letters, digits.*U\+0640/],
    ['mixed Arabic-Indic digits', '\u0661\u06f1', /Arabic-Indic/],
  ])('refuses %s', (_, value, message) => {
    const problem = user(value)
    expect(problem).toMatch(message)
    expect(problem).not.toMatch(INVISIBLE)
  })

  it.each([
    'bjensen',
    'Barbara.Jensen@example.com',
    "o'brien+test@example.com",
    '!#$%&*+-/=?^_`{|}~',
    'jos\u00e9',
    'J\u00fcrgen',
    'stra\u00dfe',
    'strasse',
    'ODYSSEUS-\u039f\u0394\u039f\u03a3',
    '\u03bf\u03b4\u03bf\u03c2',
    '\u0130lker',
    '\u0131',
    '\u5c71\u7530\u592a\u90ce',
    '\u30e4\u30de\u30c0',
    '\ud55c\uad6d',
    '\u0645\u062d\u0645\u062f',
    '\u0905\u0928\u093f\u0932',
    '\u0661\u0662',
    '\u06f1\u06f2',
    '\u3007',
  ])('accepts %s as it is', (value) => {
    expect(user(value)).toBeUndefined()
  })
})

describe('identifierProblem: group displayName (OpaqueString over FreeformClass)', () => {
  it('refuses a non-ASCII space, which OpaqueString would map to U+0020', () => {
    expect(group('Sales\u00a0Team')).toMatch(/ASCII space U\+0020 .*U\+00A0/)
    expect(group('Sales\u3000Team')).toMatch(/U\+3000/)
  })

  it.each([
    'Sales',
    'Sales Team EMEA',
    'Sales  Team',
    'R&D / Ops (2024)',
    '\uff52\uff4f\uff4f\uff54 team',
    'V\u00e9ritas \u2014 \u00bd',
    'Team \u{1f680}',
    '\u5c71\u7530 \u30c1\u30fc\u30e0',
    'o\u2019brien',
  ])('accepts %s as it is', (value) => {
    expect(group(value)).toBeUndefined()
  })
})

describe('helpers', () => {
  it('names the identifier attributes of each resource type', () => {
    expect(identifierAttributesOf('User')).toEqual([
      { attribute: 'userName', profile: 'UsernameCasePreserved' },
    ])
    expect(identifierAttributesOf('Group')).toEqual([{ attribute: 'displayName', profile: 'OpaqueString' }])
    expect(identifierAttributesOf('Device')).toEqual([])
    expect(identifierAttributesOf('constructor')).toEqual([])
  })

  it('labels code points as U+XXXX, astral ones included', () => {
    expect(codePointLabel('\u200b')).toBe('U+200B')
    expect(codePointLabel('\u0000')).toBe('U+0000')
    expect(codePointLabel('\u{1d42b}')).toBe('U+1D42B')
  })

  it('compares case-insensitively with foldCase: final sigma folds, ß stays apart from ss', () => {
    expect(identifierKey('ODYSSEUS-\u039f\u0394\u039f\u03a3')).toBe(
      identifierKey('odysseus-\u03bf\u03b4\u03bf\u03c2'),
    )
    expect(identifierKey('STRA\u00dfE')).not.toBe(identifierKey('strasse'))
    expect(identifierKey('Alice')).toBe('alice')
  })
})

describe('the printable-ASCII shortcut', () => {
  it.each<IdentifierProfile>(['UsernameCasePreserved', 'OpaqueString'])(
    'answers as every rule of %s does, for any ASCII text (spaces, controls and edges included)',
    (profile) => {
      const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) })
      const printable = fc.string({ unit: fc.constantFrom(' ', 'a', 'Z', '0', '.', '@', '-', '~', '\t') })
      fc.assert(
        fc.property(fc.oneof(ascii, printable), (value) => {
          expect(identifierProblem(value, profile)).toBe(ruleProblem(value, profile))
        }),
        { numRuns: 3_000 },
      )
    },
  )
})
