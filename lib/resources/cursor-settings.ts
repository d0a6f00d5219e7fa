// The `cursorPaging` option (RFC 9865): checked once at construction into the key that signs cursors and their timeout.
import { randomBytes } from 'node:crypto'
import type { ScimRouterOptions } from '../../types/router'
import { configError } from '../errors'
import { isObject } from '../json'

/** Default seconds a cursor stays valid: advertised as `pagination.cursorTimeout`. */
export const DEFAULT_CURSOR_TIMEOUT = 3600

/** The smallest secret accepted: 256 bits, as the HMAC's own key size. */
const MIN_SECRET_BYTES = 32

/** The `cursorPaging` option checked: the signing key and the timeout. */
export interface CursorSettings {
  readonly key: Buffer
  /** Seconds a cursor stays valid after it is issued. */
  readonly timeout: number
}

/** The `cursorPaging` option as given. */
export type CursorPagingOption = ScimRouterOptions['cursorPaging']

function fail(message: string): never {
  throw configError('ERR_INVALID_OPTION', `cursorPaging ${message}`)
}

/** Reads the `cursorPaging` option; undefined when cursor paging is off. */
export function readCursorPaging(option: CursorPagingOption): CursorSettings | undefined {
  if (option === undefined || option === false) return undefined
  // `true`: a key of this router alone, so a cursor is good on the replica that issued it only.
  if (option === true) return { key: randomBytes(MIN_SECRET_BYTES), timeout: DEFAULT_CURSOR_TIMEOUT }
  if (!isObject(option)) fail('must be true, false or { secret, timeout }')
  for (const key of Object.keys(option)) {
    if (key !== 'secret' && key !== 'timeout') {
      throw configError('ERR_UNKNOWN_OPTION', `cursorPaging has no option '${key}' (secret, timeout)`)
    }
  }
  const { secret, timeout = DEFAULT_CURSOR_TIMEOUT } = option
  // The object form is for replicas: without the shared secret, each would refuse the others' cursors.
  if (secret === undefined) fail('needs a secret shared by every replica (or true, for a single process)')
  let key: Buffer
  if (typeof secret === 'string') key = Buffer.from(secret, 'utf8')
  else if (secret instanceof Uint8Array) key = Buffer.from(secret)
  else fail('secret must be a string or bytes')
  if (key.length < MIN_SECRET_BYTES) fail(`secret must hold at least ${MIN_SECRET_BYTES} bytes`)
  if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1) {
    fail('timeout must be a positive whole number of seconds')
  }
  return { key, timeout }
}
