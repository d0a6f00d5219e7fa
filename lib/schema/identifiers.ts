// The identifier policy: which spellings of a userName or group displayName are refused (RFC 8265, PRECIS), so that no two users or teams differ only by invisible characters or by forms the profile would map (width, NFC, spaces). Confusable scripts (Cyrillic а for Latin a) are not detected: that is Unicode UTS #39, not PRECIS.
//
// userName follows the UsernameCasePreserved profile (RFC 8265 §3.4) over the IdentifierClass (RFC 8264
// §4.2); a group's displayName follows the OpaqueString profile (RFC 8265 §4.2) over the FreeformClass
// (RFC 8264 §4.3), which allows spaces, symbols and punctuation, plus one rule of ours: no white space
// at either end. Names are compared case-insensitively with `foldCase()` (lib/schema/fold.ts), the rule
// of filters, sorting and store uniqueness; `ß` and `ss` stay two names, as PRECIS says (it never maps ß).
//
// Refuse, never rewrite. A PRECIS profile *enforces* by mapping (width, spaces, NFC) and then checking.
// A SCIM server that rewrote the IdP's value would answer with a userName the IdP never sent, and the
// IdP's next lookup (`userName eq "<what it sent>"`) would miss: it would create the user again. So a
// value that enforcement would change (not NFC, fullwidth, a no-break space in a group name) is refused
// with a message saying what form is expected, and a value that passes is stored exactly as sent.
//
// Where this deviates from RFC 8264 / 8265, and why:
// - Classes are checked with Unicode property escapes (General_Category, Default_Ignorable_Code_Point,
//   Noncharacter_Code_Point, White_Space) and NFKC, as the derived-property algorithm of RFC 8264 §8
//   defines them, rather than with the IANA PRECIS tables: the tables are per Unicode version and large,
//   the algorithm is short. The Unicode version is the one of the running Node.js (ICU), so a code point
//   assigned in a newer Unicode is accepted once Node knows it.
// - Contextual rules (RFC 5892 Appendix A) are not evaluated. CONTEXTJ ZERO WIDTH (NON-)JOINER are always
//   refused (stricter: they are invisible, the very look-alike this policy is for; Persian or Indic
//   logins that need them are rare in IdP userNames). The CONTEXTO punctuation (U+00B7, U+0375, U+05F3,
//   U+05F4, U+30FB) is refused as punctuation; the Arabic-Indic digits are allowed, but not mixed with
//   the extended ones (their one rule).
// - The Bidi Rule (RFC 5893) that UsernameCasePreserved applies is not checked: it concerns how a name
//   displays, not which two names are equal, and every invisible directional control is refused anyway.
// - Leading and trailing white space is refused in group names (OpaqueString allows it): a team named
//   "Sales " beside "Sales" is a trap, never an intent.
import { foldCase } from './fold'

/** The RFC 8265 profile an identifier follows. */
export type IdentifierProfile = 'UsernameCasePreserved' | 'OpaqueString'

/** An attribute held to a profile. */
export interface IdentifierAttribute {
  /** The attribute's canonical name. */
  readonly attribute: string
  /** Its profile. */
  readonly profile: IdentifierProfile
}

const IDENTIFIERS: Readonly<Record<string, readonly IdentifierAttribute[]>> = Object.freeze({
  User: Object.freeze([{ attribute: 'userName', profile: 'UsernameCasePreserved' }] as const),
  Group: Object.freeze([{ attribute: 'displayName', profile: 'OpaqueString' }] as const),
})

/** The identifier attributes of a resource type (`userName` of User, `displayName` of Group); none for others. */
export function identifierAttributesOf(resourceType: string): readonly IdentifierAttribute[] {
  return Object.hasOwn(IDENTIFIERS, resourceType) ? IDENTIFIERS[resourceType]! : []
}

/** The key two identifiers compare by: equal keys are the same name (case-insensitively, `foldCase`). */
export function identifierKey(value: string): string {
  return foldCase(value)
}

// RFC 8264 §9 categories, as regular expressions over one code point (the `u` flag reads whole code points).
const EDGE_WHITE_SPACE = /^\p{White_Space}|\p{White_Space}$/u
/** RFC 8264 §9.12 Controls. */
const CONTROL = /\p{Cc}/u
/** Unpaired surrogates: JSON can carry them, no other Unicode string holds them. */
const SURROGATE = /\p{Cs}/u
/** Line and paragraph separators: in no PRECIS class, so disallowed in both. */
const SEPARATOR = /[\p{Zl}\p{Zp}]/u
/**
 * RFC 8264 §9.13 PrecisIgnorableProperties (Default_Ignorable_Code_Point), every other format
 * character, and U+2800 BRAILLE PATTERN BLANK, a symbol that renders as nothing (ours: not in PRECIS).
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u
const PRIVATE_USE = /\p{Co}/u
/** RFC 8264 §9.14 Unassigned (noncharacters are Cn too; they are reported as such first). */
const UNASSIGNED = /\p{Cn}/u
/** RFC 8264 §9.10 OldHangulJamo: the conjoining jamo blocks (Hangul_Syllable_Type L, V, T). */
const CONJOINING_JAMO = /[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]/u
/** Code points whose decomposition is <wide> or <narrow>: what the width-mapping rule (RFC 8265 §3.4.1) maps. */
const WIDTH_FORM = /[\u3000\uff01-\uffee]/u
/** RFC 8264 §9.15 Spaces (Zs). */
const SPACE = /\p{Zs}/u
/** A space other than U+0020: OpaqueString maps it to U+0020 (RFC 8265 §4.2.1), so it is refused here. */
const NON_ASCII_SPACE = /[^\P{Zs} ]/u
/** RFC 5892 §2.6 exceptions that are DISALLOWED although their category would allow them. */
const EXCEPTION_DISALLOWED = /[\u0640\u07fa\u302e\u302f\u3031-\u3035\u303b]/u
/**
 * Not IdentifierClass PVALID: anything but printable ASCII (ASCII7, RFC 8264 §9.11), LetterDigits
 * (Ll Lu Lo Nd Lm Mn Mc, §9.1) and the RFC 5892 PVALID exceptions outside those categories.
 */
const NOT_IDENTIFIER = /[^\x21-\x7e\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}\u06fd\u06fe\u0f0b\u3007]/u
const ARABIC_INDIC_DIGIT = /[\u0660-\u0669]/u
const EXTENDED_ARABIC_INDIC_DIGIT = /[\u06f0-\u06f9]/u
/** Printable ASCII without a space: a userName every rule of UsernameCasePreserved accepts. */
const PRINTABLE_ASCII_WORD = /^[\x21-\x7e]+$/
/** Printable ASCII, spaces inside only: a name every rule of OpaqueString (and ours on edges) accepts. */
const PRINTABLE_ASCII_TEXT = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/

/** `U+200B`: how a refusal names a character, so that no invisible character is ever quoted back raw. */
export function codePointLabel(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`
}

/** The first code point of `value` that `pattern` matches, labelled; undefined when none does. */
function found(value: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(value)
  return match ? codePointLabel(match[0]) : undefined
}

/** The problems both profiles share: RFC 8264 §9 DISALLOWED for every class, then NFC. */
function commonProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty'
  if (EDGE_WHITE_SPACE.test(value)) return 'must not begin or end with white space'
  let at = found(value, CONTROL)
  if (at) return `must not contain control characters such as line breaks or tabs (found ${at})`
  at = found(value, SURROGATE)
  if (at) return `must be well-formed Unicode (found the unpaired surrogate ${at})`
  at = found(value, SEPARATOR)
  if (at) return `must not contain line or paragraph separators (found ${at})`
  at = found(value, INVISIBLE)
  if (at) return `must not contain invisible formatting characters (found ${at})`
  at = found(value, NONCHARACTER)
  if (at) return `must not contain Unicode noncharacters (found ${at})`
  at = found(value, PRIVATE_USE)
  if (at) return `must not contain private-use characters (found ${at})`
  at = found(value, UNASSIGNED)
  if (at) return `must not contain unassigned code points (found ${at})`
  at = found(value, CONJOINING_JAMO)
  if (at) return `must not contain conjoining Hangul jamo (found ${at}); send precomposed syllables`
  // RFC 8265 §3.4.4, §4.2.1: NFC. Refused rather than normalised (see the file's comment).
  if (value.normalize('NFC') !== value) {
    return 'must be in Unicode Normalization Form C (NFC): send precomposed characters, e.g. U+00E9 rather than e + U+0301'
  }
  return undefined
}

/** UsernameCasePreserved (RFC 8265 §3.4) over IdentifierClass (RFC 8264 §4.2), the value already NFC. */
function userNameProblem(value: string): string | undefined {
  // RFC 8265 §3.4.1: fullwidth and halfwidth forms are mapped to their decomposition; we refuse them.
  let at = found(value, WIDTH_FORM)
  if (at) return `must use normal-width characters, not fullwidth or halfwidth forms (found ${at})`
  at = found(value, SPACE)
  if (at) return `must not contain spaces (found ${at})`
  // RFC 8264 §9.17 HasCompat: DISALLOWED in IdentifierClass (mathematical letters, ligatures, superscripts).
  if (value.normalize('NFKC') !== value) {
    const culprit = [...value].find((c) => c.normalize('NFKC') !== c)
    return `must not contain compatibility characters such as styled letters or ligatures${
      culprit ? ` (found ${codePointLabel(culprit)})` : ''
    }; send the plain characters`
  }
  at = found(value, EXCEPTION_DISALLOWED) ?? found(value, NOT_IDENTIFIER)
  if (at) {
    return `must contain only letters, digits, combining marks and printable ASCII characters (found ${at})`
  }
  if (ARABIC_INDIC_DIGIT.test(value) && EXTENDED_ARABIC_INDIC_DIGIT.test(value)) {
    return 'must not mix Arabic-Indic and extended Arabic-Indic digits'
  }
  return undefined
}

/** OpaqueString (RFC 8265 §4.2) over FreeformClass (RFC 8264 §4.3), the value already NFC. */
function opaqueStringProblem(value: string): string | undefined {
  const at = found(value, NON_ASCII_SPACE)
  if (at) return `must use the ASCII space U+0020 between words (found ${at})`
  return undefined
}

/**
 * Why `value` fails `profile`, as the end of a sentence that starts with the attribute's name (`must
 * not be empty`, `must not contain spaces (found U+0020)`), or undefined when it passes. The text says
 * what form is expected and names offending characters by code point only, never quoting the value.
 */
export function identifierProblem(value: string, profile: IdentifierProfile): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  // Most names are printable ASCII: every rule above passes such a name (ASCII is NFC and NFKC, and
  // holds no control, invisible, width-form or unassigned character), so one test answers for them all.
  if (
    profile === 'UsernameCasePreserved' ? PRINTABLE_ASCII_WORD.test(value) : PRINTABLE_ASCII_TEXT.test(value)
  ) {
    return undefined
  }
  return ruleProblem(value, profile)
}

/** Every rule of `profile`, one after the other: what `identifierProblem` answers when its ASCII test cannot. */
export function ruleProblem(value: string, profile: IdentifierProfile): string | undefined {
  return (
    commonProblem(value) ??
    (profile === 'UsernameCasePreserved' ? userNameProblem(value) : opaqueStringProblem(value))
  )
}
