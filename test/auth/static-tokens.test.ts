// Unit tests of staticTokens() and bearerToken(): RFC 6750 header parsing, tenant mapping, construction errors, no token in principals.
import type { IncomingMessage } from 'node:http'
import { bearerToken, type StaticToken, staticTokens } from '../../lib/auth/static-tokens'

const TOKEN = 'c2NpbS10b2tlbi0x.abc-DEF_123~+/=='

function requestWith(authorization?: string, url = '/Users'): IncomingMessage {
  const headers: Record<string, string> = {}
  if (authorization !== undefined) headers.authorization = authorization
  return { headers, url, method: 'GET' } as unknown as IncomingMessage
}

describe('bearerToken', () => {
  it.each([
    [`Bearer ${TOKEN}`, TOKEN],
    [`bearer ${TOKEN}`, TOKEN],
    [`BEARER ${TOKEN}`, TOKEN],
    [`bEaReR ${TOKEN}`, TOKEN],
    [`  Bearer    ${TOKEN}   `, TOKEN],
    [`Bearer\t${TOKEN}`, TOKEN],
    ['Bearer abc', 'abc'],
    ['Bearer abc==', 'abc=='],
    [`Bearer  ${TOKEN}`, TOKEN],
    [`Bearer ${TOKEN} `, TOKEN],
  ])('reads %j', (header, token) => {
    expect(bearerToken(requestWith(header))).toBe(token)
  })

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and spaces', 'Bearer   '],
    ['no space after the scheme', `Bearer${TOKEN}`],
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['another scheme', `Token ${TOKEN}`],
    ['two tokens', 'Bearer abc def'],
    ['a padding sign inside the token', 'Bearer a=b'],
    ['a comma-separated second scheme', 'Bearer abc, Basic xyz'],
    ['a quoted token', 'Bearer "abc"'],
    ['a non-ASCII token', 'Bearer abcé'],
  ])('reads nothing from %s', (_, header) => {
    expect(bearerToken(requestWith(header))).toBeUndefined()
  })

  it('never reads a token from the query string', () => {
    expect(bearerToken(requestWith(undefined, `/Users?access_token=${TOKEN}`))).toBeUndefined()
  })
})

describe('staticTokens: authentication', () => {
  it('accepts the configured token with the default tenant and id', async () => {
    const authenticate = staticTokens([TOKEN])
    expect(await authenticate(requestWith(`Bearer ${TOKEN}`))).toEqual({ tenant: 'default', id: 'token-1' })
  })

  it('reads the scheme case-insensitively and tolerates extra whitespace', async () => {
    const authenticate = staticTokens([TOKEN])
    for (const header of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `  Bearer   ${TOKEN}  `]) {
      expect(await authenticate(requestWith(header))).toMatchObject({ tenant: 'default' })
    }
  })

  it.each([
    ['no credentials', undefined],
    ['a wrong token', 'Bearer wrong-token'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token and more', `Bearer ${TOKEN}x`],
    ['the token in another case', `Bearer ${TOKEN.toUpperCase()}`],
    ['an empty bearer', 'Bearer '],
    ['Basic credentials', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
    ['the token as Basic credentials', `Basic ${TOKEN}`],
    ['the token without a scheme', TOKEN],
  ])('refuses %s', async (_, header) => {
    const authenticate = staticTokens([TOKEN])
    expect(await authenticate(requestWith(header))).toBeUndefined()
  })

  it('refuses a token sent in the query string', async () => {
    const authenticate = staticTokens([TOKEN])
    expect(await authenticate(requestWith(undefined, `/Users?access_token=${TOKEN}`))).toBeUndefined()
  })

  it('maps each token to its own tenant and id', async () => {
    const authenticate = staticTokens([
      { token: 'entra-token', tenant: 'acme', id: 'entra-prod' },
      { token: 'okta-token', tenant: 'globex' },
      'plain-token',
    ])
    expect(await authenticate(requestWith('Bearer entra-token'))).toEqual({
      tenant: 'acme',
      id: 'entra-prod',
    })
    expect(await authenticate(requestWith('Bearer okta-token'))).toEqual({ tenant: 'globex', id: 'token-2' })
    expect(await authenticate(requestWith('Bearer plain-token'))).toEqual({
      tenant: 'default',
      id: 'token-3',
    })
  })

  it('returns principals that never carry the token, and cannot be changed', async () => {
    const secret = 'very-secret-token-value'
    const authenticate = staticTokens([{ token: secret, tenant: 'acme', id: 'idp' }])
    const principal = await authenticate(requestWith(`Bearer ${secret}`))
    expect(principal).toBeDefined()
    expect(JSON.stringify(principal)).not.toContain(secret)
    expect(Object.values(principal!)).not.toContain(secret)
    expect(Object.isFrozen(principal)).toBe(true)
  })

  it('does not keep the configured entry objects, so changing them later changes nothing', async () => {
    const entry = { token: 'first-token', tenant: 'acme' }
    const authenticate = staticTokens([entry])
    entry.token = 'second-token'
    entry.tenant = 'evil'
    expect(await authenticate(requestWith('Bearer first-token'))).toMatchObject({ tenant: 'acme' })
    expect(await authenticate(requestWith('Bearer second-token'))).toBeUndefined()
  })
})

describe('staticTokens: configuration errors', () => {
  it.each<[string, unknown]>([
    ['an empty list', []],
    ['no list', undefined],
    ['a single string', TOKEN],
    ['an object', { token: TOKEN }],
  ])('throws a TypeError for %s', (_, tokens) => {
    expect(() => staticTokens(tokens as readonly string[])).toThrow(TypeError)
  })

  it.each<[string, unknown]>([
    ['a number', 42],
    ['null', null],
    ['an entry without token', { tenant: 'acme' }],
    ['an entry with a number token', { token: 42 }],
    ['an empty token', ''],
    ['a token with a space', 'abc def'],
    ['a token with a leading space', ' abc'],
    ['a token with a newline', 'abc\n'],
    ['a token with a comma', 'abc,def'],
    ['a token with = inside', 'a=b'],
    ['an empty tenant', { token: TOKEN, tenant: '' }],
    ['a number tenant', { token: TOKEN, tenant: 7 }],
  ])('throws a TypeError for %s, naming the entry and not the token', (_, entry) => {
    const build = () => staticTokens(['good-token', entry as StaticToken])
    expect(build).toThrow(TypeError)
    expect(build).toThrow(/entry 1/)
  })

  it('never quotes a token in a construction error', () => {
    const secret = 'leaky secret'
    let message = ''
    try {
      staticTokens([secret])
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).not.toBe('')
    expect(message).not.toContain('leaky')
  })

  it('throws a TypeError for a duplicate token, also when one is an object entry', () => {
    expect(() => staticTokens([TOKEN, TOKEN])).toThrow(/duplicate/)
    expect(() => staticTokens([TOKEN, { token: TOKEN, tenant: 'other' }])).toThrow(TypeError)
  })
})

describe('staticTokens: fixed-size slots instead of a hash per request', () => {
  const request = (authorization: string) => ({ headers: { authorization } }) as IncomingMessage

  it('tells a configured token from its prefixes and extensions, which share its bytes', async () => {
    const authenticate = staticTokens([{ token: 'abcdef', tenant: 't', id: 'one' }])
    expect(await authenticate(request('Bearer abcdef'))).toEqual({ tenant: 't', id: 'one' })
    expect(await authenticate(request('Bearer abcde'))).toBeUndefined()
    expect(await authenticate(request('Bearer abcdefg'))).toBeUndefined()
    expect(await authenticate(request('Bearer abcdeF'))).toBeUndefined()
  })

  it('accepts a configured token of 1,024 bytes and refuses a longer one at construction', async () => {
    const longest = 'a'.repeat(1024)
    expect(await staticTokens([longest])(request(`Bearer ${longest}`))).toBeDefined()
    expect(() => staticTokens(['a'.repeat(1025)])).toThrow(/longer than 1024 bytes/)
  })

  it('refuses a presented token longer than any slot without comparing it', async () => {
    const authenticate = staticTokens(['a'.repeat(1024)])
    expect(await authenticate(request(`Bearer ${'a'.repeat(1025)}`))).toBeUndefined()
  })

  it('sizes its slots to the longest token, rounded up to 64 bytes, and refuses anything longer unread', async () => {
    const token = 'x'.repeat(40)
    const authenticate = staticTokens([token])
    expect(await authenticate(request(`Bearer ${token}`))).toBeDefined()
    // 64 bytes fit the slot and are compared (and differ); 65 cannot be any configured token.
    expect(await authenticate(request(`Bearer ${'x'.repeat(64)}`))).toBeUndefined()
    expect(await authenticate(request(`Bearer ${'x'.repeat(65)}`))).toBeUndefined()
    const both = staticTokens([token, { token: 'y'.repeat(100), tenant: 'long' }])
    expect((await both(request(`Bearer ${'y'.repeat(100)}`)))?.tenant).toBe('long')
    expect((await both(request(`Bearer ${token}`)))?.tenant).toBe('default')
  })

  it('with more than 16 tokens (a token per tenant) compares digests, with the same answers', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      token: `tenant-token-${i}-abcdef`,
      tenant: `t${i}`,
    }))
    const authenticate = staticTokens(many)
    for (const i of [0, 17, 39])
      expect((await authenticate(request(`Bearer tenant-token-${i}-abcdef`)))?.tenant).toBe(`t${i}`)
    expect(await authenticate(request('Bearer tenant-token-1-abcde'))).toBeUndefined()
    expect(await authenticate(request(`Bearer ${'a'.repeat(1025)}`))).toBeUndefined()
  })

  it('keeps two routers apart: each authenticate has its own slots', async () => {
    const first = staticTokens([{ token: 'first-token', tenant: 'one' }])
    const second = staticTokens([{ token: 'second-token', tenant: 'two' }])
    expect(await first(request('Bearer second-token'))).toBeUndefined()
    expect((await second(request('Bearer second-token')))?.tenant).toBe('two')
    expect((await first(request('Bearer first-token')))?.tenant).toBe('one')
  })
})
