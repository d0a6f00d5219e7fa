// The one case-insensitive comparison rule of the library: filters, sorting, uniqueness and SQL folded columns all use it.

const FINAL_SIGMA = '\u03c2'
const SIGMA = '\u03c3'

/**
 * Folds a string for case-insensitive comparison: Unicode default lower-casing (what
 * `String.prototype.toLowerCase()` does in the root locale, as RFC 8265 §3.3.3 / PRECIS
 * UsernameCaseMapped asks), made context-free by writing final sigma `ς` as `σ`, so that a value folds
 * to the same string wherever it stands in a word (`ΟΔΟΣ`, `οδος` and `οδοσ` fold alike).
 *
 * Two strings are equal case-insensitively exactly when their folds are equal; strings order by the code
 * points of their folds. What the fold does not do, on purpose: `ß` stays `ß` (not `ss`, as in PRECIS),
 * `İ` becomes `i` + U+0307 (so `İlker` is not `ilker`; no Turkish locale rules), `ı` stays `ı`, fullwidth
 * letters stay fullwidth (`ＡＢＣ` folds to `ａｂｃ`, not `abc`), and NFC and NFD spellings stay different
 * (normalisation is the identifier policy's business, not the fold's). The fold is a per-character
 * mapping, so a substring of a string folds to a substring of its fold (`co`, `sw`, `ew` stay sound).
 *
 * A SQL store compares a folded column it filled with this function: PostgreSQL's `lower()` depends on
 * the collation of its argument (under `COLLATE "C"` it folds ASCII only) and on the server's locale
 * library, so it cannot give this answer by itself.
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase()
  return lower.includes(FINAL_SIGMA) ? lower.replaceAll(FINAL_SIGMA, SIGMA) : lower
}

/**
 * True when a comparison with `folded` (a `foldCase()` result) needs the fold of the other side; false
 * when `toLowerCase()` gives the same answer, which is when `folded` holds no `σ`. The fold differs from
 * `toLowerCase()` only by writing `ς` as `σ`, and with no `σ` (nor `ς`) in `folded`, neither letter can
 * take part in an equal, contained or first differing character: eq, co, sw, ew and the code-point order
 * all come out the same. Lets a filter over many values skip the second pass in almost every case.
 */
export function needsFullFold(folded: string): boolean {
  return folded.includes(SIGMA)
}
