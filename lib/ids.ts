// Bounds on the ids a client may name: path ids and member values a store must never be asked to hold.

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
