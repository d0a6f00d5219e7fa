// The typed refusals of a SAML login link: a stable code, an HTTP status and a message safe to show.
import type { SamlLinkErrorCode } from '../../types/saml'

const REFUSALS: Readonly<Record<SamlLinkErrorCode, { readonly status: number; readonly message: string }>> = {
  // The first two messages are Grafana's, so operators searching for them find the same explanation.
  ERR_EMPTY_EXTERNAL_UID: { status: 401, message: 'Empty externalUID' },
  ERR_MISMATCHED_IDENTITY: { status: 401, message: 'Mismatched provisioned identity' },
  ERR_INVALID_EXTERNAL_UID: { status: 401, message: 'Invalid externalUID' },
  ERR_USER_DEACTIVATED: { status: 403, message: 'User is deactivated' },
  ERR_USER_NOT_PROVISIONED: { status: 403, message: 'User is not provisioned' },
  // Same message as a local user: a login page must not reveal which accounts exist.
  ERR_UNKNOWN_USER: { status: 403, message: 'User is not provisioned' },
  ERR_NO_PROFILE: { status: 401, message: 'No SAML profile' },
  ERR_SETTINGS_UNAVAILABLE: { status: 503, message: 'Login settings unavailable' },
}

/**
 * Why a SAML login may not proceed. `status` and `expose` follow http-errors, so Express's error
 * handling answers with the status; `code` is stable for the host's own handling and logs. The
 * message names no user, uid or attribute value.
 */
export class SamlLinkError extends Error {
  /** The stable code. */
  readonly code: SamlLinkErrorCode
  /** The HTTP status to answer with (401, 403 or 503). */
  readonly status: number
  /** The same as `status`. */
  readonly statusCode: number
  /** True for 4xx: the message may be shown to the person signing in. */
  readonly expose: boolean

  constructor(code: SamlLinkErrorCode) {
    const refusal = REFUSALS[code]
    super(refusal.message)
    this.name = 'SamlLinkError'
    this.code = code
    this.status = refusal.status
    this.statusCode = refusal.status
    this.expose = refusal.status < 500
  }
}

/** True for the errors `link()` and the middleware refuse a login with. */
export function isSamlLinkError(error: unknown): error is SamlLinkError {
  return error instanceof SamlLinkError
}
