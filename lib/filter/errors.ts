// Syntax errors of filters and PATCH paths: a SCIM 400 whose detail names the position and shows an excerpt.
import type { ScimType } from '../../types/errors'
import { type ScimError, scimError } from '../errors'

const EXCERPT_RADIUS = 24

/** A one-line excerpt of `text` around `position`, with `>>>` marking the spot and control characters escaped. */
export function excerpt(text: string, position: number): string {
  const start = Math.max(0, position - EXCERPT_RADIUS)
  const end = Math.min(text.length, position + EXCERPT_RADIUS)
  // Control characters would break the one-line detail (and a log line); everything else stays as sent.
  const clean = (s: string) =>
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being escaped.
    s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return (
    (start > 0 ? '...' : '') +
    clean(text.slice(start, position)) +
    '>>>' +
    clean(text.slice(position, end)) +
    (end < text.length ? '...' : '')
  )
}

/** A 400 error for malformed filter or path text, pointing at the offending character. */
export function syntaxError(scimType: ScimType, message: string, text: string, position: number): ScimError {
  return scimError(400, scimType, `${message} at position ${position}: ${excerpt(text, position)}`, {
    position,
  })
}
