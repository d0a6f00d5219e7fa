// Keeps the bearer token out of everything a check prints or saves, and long answers down to an excerpt.

/** Shown in place of the token. */
export const MASK = '****'

/**
 * Replaces every occurrence of `secret` in `text` (no-op for an empty or absent secret): as it is, and in the
 * forms a server may echo it in (percent-encoded, base64, JSON with escaped slashes).
 */
export function masked(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    secret.replaceAll('/', '\\/'),
  ])
  let out = text
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(MASK)
  return out
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
