// The absolute URL of the SCIM root a request came through, for `Location` and `meta.location` (RFC 7644 §3.1).
import type { IncomingMessage } from 'node:http'

/** The first value of a comma-separated forwarding header, trimmed; undefined when absent. */
function firstForwarded(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.split(',')[0]!.trim() : undefined
}

/**
 * The absolute URL of the SCIM root the request came through: the configured `baseUrl`, else one built
 * from the request. It goes into every `Location` and `meta.location`, so nothing a client sends may
 * shape it beyond a host name and one of two schemes. `v2`: the request came through `/v2`.
 */
export function baseUrlOf(configured: string | undefined, request: IncomingMessage, v2: boolean): string {
  const suffix = v2 ? '/v2' : ''
  if (configured) return configured + suffix
  const express = request as IncomingMessage & {
    baseUrl?: string
    app?: { get?: (name: string) => unknown }
  }
  let host = request.headers.host ?? 'localhost'
  let protocol = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http'
  // Honour X-Forwarded-* only where Express's `trust proxy` trusts the peer. Express's own
  // `req.protocol` copies X-Forwarded-Proto verbatim (`https://evil.example/x?`, `javascript:`), so the
  // header is read here instead, and anything but http or https leaves the socket's scheme in force.
  const trust = express.app?.get?.('trust proxy fn')
  if (typeof trust === 'function' && trust(request.socket.remoteAddress, 0)) {
    host = firstForwarded(request.headers['x-forwarded-host']) ?? host
    const forwardedProto = firstForwarded(request.headers['x-forwarded-proto'])?.toLowerCase()
    if (forwardedProto === 'http' || forwardedProto === 'https') protocol = forwardedProto
  }
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(host)) host = 'localhost'
  return `${protocol}://${host}${express.baseUrl ?? ''}${suffix}`
}
