// `{{name}}` placeholders in a step: values captured by earlier steps, and `{{run}}`, unique to the run.
import type { CheckJson } from '../../types/check'

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g
const WHOLE = /^\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}$/

/** Names with a meaning of their own in expectations; never captured, never substituted. */
export const RESERVED = new Set(['any', 'absent'])

/** Replaces `{{name}}` in a string; `encode` percent-encodes the values (for paths). */
export function substituteString(text: string, vars: ReadonlyMap<string, unknown>, encode: boolean): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    if (RESERVED.has(name)) return whole
    if (!vars.has(name)) throw new Error(`{{${name}}} is used before any step captured it`)
    const value = String(vars.get(name))
    if (!encode) return value
    // `.` and `..` survive encodeURIComponent and URL parsing removes them as path segments, which would send
    // the request (and the token) to another path of the server.
    if (/^(\.|%2e){1,2}$/i.test(value))
      throw new Error(`{{${name}}} is "${value}", which cannot be a path segment`)
    return encodeURIComponent(value)
  })
}

/** Replaces `{{name}}` in every string of a JSON value; a string that is only `{{name}}` takes the raw value. */
export function substitute(value: CheckJson, vars: ReadonlyMap<string, unknown>): CheckJson {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value)
    if (whole?.[1] !== undefined && vars.has(whole[1])) return vars.get(whole[1]) as CheckJson
    return substituteString(value, vars, false)
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars))
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: CheckJson } = {}
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, vars)
    return out
  }
  return value
}
