// Keeps the bearer token out of everything a check prints or saves, and long answers down to an excerpt.

/** Shown in place of the token. */
export const MASK = '****'

/** Replaces every occurrence of `secret` in `text` (no-op for an empty or absent secret). */
export function masked(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join(MASK)
}

/** The start of a text, masked, with a mark when it was cut. */
export function excerpt(text: string, secret: string | undefined, limit = 1000): string {
  // Mask before cutting: a cut could otherwise split the token and leave half of it readable.
  const clean = masked(text, secret)
  return clean.length > limit ? `${clean.slice(0, limit)}… (${clean.length - limit} more characters)` : clean
}

/** Headers with the token masked in every value. */
export function maskedHeaders(
  headers: Readonly<Record<string, string>>,
  secret: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = masked(value, secret)
  return out
}
