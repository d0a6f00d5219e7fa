// Unit tests of the SCIM root URL a request came through: configured, from Host and the socket, X-Forwarded-* only where Express trusts the peer.
import type { IncomingMessage } from 'node:http'
import { baseUrlOf } from '../../lib/http/base-url'

interface FakeRequest {
  headers: Record<string, string>
  encrypted?: boolean
  baseUrl?: string
  /** Express's `trust proxy fn`, or a getter that must not be called. */
  app?: { get: (name: string) => unknown }
}

function request({ headers, encrypted, baseUrl, app }: FakeRequest): IncomingMessage {
  return {
    headers,
    socket: { encrypted, remoteAddress: '10.0.0.1' },
    baseUrl,
    app,
  } as unknown as IncomingMessage
}

const trusting = { get: (name: string) => (name === 'trust proxy fn' ? () => true : undefined) }
const distrusting = { get: (name: string) => (name === 'trust proxy fn' ? () => false : undefined) }

describe('baseUrlOf', () => {
  it('answers the configured base URL, with /v2 when the request came through it', () => {
    const plain = request({ headers: { host: 'ignored.example' } })
    expect(baseUrlOf('https://idp.example/scim', plain, false)).toBe('https://idp.example/scim')
    expect(baseUrlOf('https://idp.example/scim', plain, true)).toBe('https://idp.example/scim/v2')
  })

  it('builds the URL from Host, the socket and the mount path', () => {
    expect(
      baseUrlOf(undefined, request({ headers: { host: 'a.example:8080' }, baseUrl: '/scim' }), false),
    ).toBe('http://a.example:8080/scim')
    expect(baseUrlOf(undefined, request({ headers: { host: 'a.example' }, encrypted: true }), false)).toBe(
      'https://a.example',
    )
    expect(baseUrlOf(undefined, request({ headers: {} }), false)).toBe('http://localhost')
  })

  it('answers localhost for a Host that is no host name', () => {
    expect(baseUrlOf(undefined, request({ headers: { host: 'evil.example/x?' } }), false)).toBe(
      'http://localhost',
    )
  })

  it('honours X-Forwarded-Host and X-Forwarded-Proto only where the app trusts the peer', () => {
    const headers = {
      host: 'inner:3000',
      'x-forwarded-host': 'outer.example, inner',
      'x-forwarded-proto': 'HTTPS',
    }
    expect(baseUrlOf(undefined, request({ headers, app: trusting, baseUrl: '/scim' }), false)).toBe(
      'https://outer.example/scim',
    )
    expect(baseUrlOf(undefined, request({ headers, app: distrusting }), false)).toBe('http://inner:3000')
    expect(baseUrlOf(undefined, request({ headers }), false)).toBe('http://inner:3000')
  })

  it('keeps Host for an empty X-Forwarded-Host, as Express does', () => {
    const headers = { host: 'a.example', 'x-forwarded-host': '' }
    expect(baseUrlOf(undefined, request({ headers, app: trusting }), false)).toBe('http://a.example')
  })

  it('keeps the socket scheme for a forwarded protocol other than http or https', () => {
    const headers = { host: 'a.example', 'x-forwarded-proto': 'javascript' }
    expect(baseUrlOf(undefined, request({ headers, app: trusting }), false)).toBe('http://a.example')
  })

  it('does not read the trust setting of a request without X-Forwarded headers', () => {
    const untouchable = {
      get: () => {
        throw new Error('trust proxy read')
      },
    }
    expect(baseUrlOf(undefined, request({ headers: { host: 'a.example' }, app: untouchable }), false)).toBe(
      'http://a.example',
    )
  })
})
