// The absolute URL of the SCIM root a request came through, for `Location` and `meta.location` (RFC 7644 §3.1).
import type { IncomingMessage } from 'node:http'

/** The first value of a comma-separated forwarding header, trimmed; undefined when absent. */
function firstForwarded(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.split(',')[0]!.trim() : undefined
}

/** True when the Express app's `trust proxy` setting trusts the request's peer (never outside Express). */
function trustsPeer(app: { get?: (name: string) => unknown } | undefined, request: IncomingMessage): boolean {
  const trust = app?.get?.('trust proxy fn')
  return typeof trust === 'function' && Boolean(trust(request.socket.remoteAddress, 0))
}

/**
 * The absolute URL of the SCIM root the request came through: the configured `baseUrl`, else one built
 * from the request. It goes into every `Location` and `meta.location`, so nothing a client sends may
 * shape it beyond a host name and one of two schemes. `v2`: the request came through `/v2`. `headers`:
 * the request's, when the caller has read them already (each read of a request's property costs a
 * lookup under Express).
 */
export function baseUrlOf(
  configured: string | undefined,
  request: IncomingMessage,
  v2: boolean,
  headers: IncomingMessage['headers'] = request.headers,
): string {
  const suffix = v2 ? '/v2' : ''
  if (configured) return configured + suffix
  const express = request as IncomingMessage & {
    baseUrl?: string
    app?: { get?: (name: string) => unknown }
  }
  let host = headers.host ?? 'localhost'
  let protocol = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http'
  // Honour X-Forwarded-* only where Express's `trust proxy` trusts the peer. Express's own
  // `req.protocol` copies X-Forwarded-Proto verbatim (`https://evil.example/x?`, `javascript:`), so the
  // header is read here instead, and anything but http or https leaves the socket's scheme in force.
  // Without either header there is nothing to trust: the app's setting is not even read.
  const forwardedHost = headers['x-forwarded-host']
  const forwardedProtoHeader = headers['x-forwarded-proto']
  if (
    (forwardedHost !== undefined || forwardedProtoHeader !== undefined) &&
    trustsPeer(express.app, request)
  ) {
    // An empty X-Forwarded-Host names no host: Host stands, as in Express.
    host = firstForwarded(forwardedHost) || host
    const forwardedProto = firstForwarded(forwardedProtoHeader)?.toLowerCase()
    if (forwardedProto === 'http' || forwardedProto === 'https') protocol = forwardedProto
  }
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(host)) host = 'localhost'
  return `${protocol}://${host}${express.baseUrl ?? ''}${suffix}`
}
