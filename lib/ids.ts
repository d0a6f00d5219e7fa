// What a store can hold of what a client sends: path ids and member values within bounds, and text without U+0000 or unpaired surrogates.

/** Most characters in a resource id or member value taken from a request; longer ones name nothing. */
export const MAX_ID_LENGTH = 512

/**
 * True when `id` could be an id a store issued: a non-empty string of at most `MAX_ID_LENGTH`
 * characters without U+0000 (which no PostgreSQL text column holds: error 22021). Anything else names
 * no resource, so the router answers 404 (path ids) or 400 (member values) before any store call.
 */
export function isStorableId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH && !id.includes('\u0000')
}

/** A UTF-16 code unit of a surrogate pair standing alone: the `u` flag matches only unpaired ones. */
const UNPAIRED_SURROGATE = /[\uD800-\uDFFF]/u

/**
 * True when a string value can be stored and found again: no U+0000 (no PostgreSQL text column holds
 * it, error 22021) and no unpaired surrogate (it has no UTF-8 form: PostgreSQL's jsonb refuses its
 * `\ud800` escape, error 22P02, and a text column would get U+FFFD in its place). Filters refuse both.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text)
}
