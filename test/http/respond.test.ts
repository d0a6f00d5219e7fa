// Unit tests of the response writers: SCIM media type, Content-Length, RFC 7644 §3.12 error bodies, nothing leaked from 5xx.
import type { ServerResponse } from 'node:http'
import createError from 'http-errors'
import { ERROR_SCHEMA_URN, scimError } from '../../lib/errors'
import { SCIM_MEDIA_TYPE, sendEmpty, sendError, sendJson } from '../../lib/http/respond'

/** A ServerResponse stand-in that records what is written. */
class FakeResponse {
  statusCode = 200
  headersSent = false
  readonly headers = new Map<string, unknown>()
  body: string | undefined
  ended = 0
  destroyed = 0

  setHeader(name: string, value: unknown): this {
    this.headers.set(name.toLowerCase(), value)
    return this
  }

  end(chunk?: string): this {
    this.ended++
    this.body = chunk
    this.headersSent = true
    return this
  }

  destroy(): this {
    this.destroyed++
    return this
  }

  get json(): Record<string, unknown> {
    if (this.body === undefined) throw new Error('no body was sent')
    return JSON.parse(this.body) as Record<string, unknown>
  }
}

const asResponse = (fake: FakeResponse) => fake as unknown as ServerResponse

describe('sendJson', () => {
  it('sends the body as application/scim+json in UTF-8 with its byte length', () => {
    const response = new FakeResponse()
    sendJson(asResponse(response), 201, { displayName: 'Zoë 🎉' })
    expect(response.statusCode).toBe(201)
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    expect(SCIM_MEDIA_TYPE).toBe('application/scim+json')
    expect(response.body).toBe('{"displayName":"Zoë 🎉"}')
    expect(response.headers.get('content-length')).toBe(Buffer.byteLength(response.body!, 'utf8'))
    expect(response.headers.get('content-length')).not.toBe(response.body!.length)
    expect(response.ended).toBe(1)
  })

  it('sets extra headers, but the content type stays SCIM', () => {
    const response = new FakeResponse()
    sendJson(
      asResponse(response),
      200,
      {},
      { ETag: 'W/"1"', Location: '/Users/1', 'Content-Type': 'text/html' },
    )
    expect(response.headers.get('etag')).toBe('W/"1"')
    expect(response.headers.get('location')).toBe('/Users/1')
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
  })

  it('sets the Content-Length of the body actually sent, whatever the caller passed', () => {
    const response = new FakeResponse()
    sendJson(asResponse(response), 200, { a: 1 }, { 'Content-Length': '9999' })
    expect(response.headers.get('content-length')).toBe(7)
  })
})

describe('sendEmpty', () => {
  it('sends the status and headers with no body', () => {
    const response = new FakeResponse()
    sendEmpty(asResponse(response), 204, { ETag: 'W/"2"' })
    expect(response.statusCode).toBe(204)
    expect(response.headers.get('etag')).toBe('W/"2"')
    expect(response.body).toBeUndefined()
    expect(response.headers.has('content-type')).toBe(false)
    expect(response.ended).toBe(1)
  })
})

describe('sendError', () => {
  it('sends a 4xx SCIM error with status as a string, scimType and detail', () => {
    const response = new FakeResponse()
    sendError(asResponse(response), scimError(400, 'invalidFilter', 'Unexpected token at 4'))
    expect(response.statusCode).toBe(400)
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    expect(response.json).toEqual({
      schemas: [ERROR_SCHEMA_URN],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'Unexpected token at 4',
    })
  })

  it('sends a 4xx error without scimType when it has none', () => {
    const response = new FakeResponse()
    sendError(asResponse(response), scimError(404, undefined, 'Resource 1 not found'))
    expect(response.statusCode).toBe(404)
    expect(response.json).toEqual({
      schemas: [ERROR_SCHEMA_URN],
      status: '404',
      detail: 'Resource 1 not found',
    })
  })

  it('says nothing about a 5xx, even when its message holds secrets', () => {
    const response = new FakeResponse()
    const error = scimError(503, 'tooMany', 'connect postgres://admin:hunter2@db.internal failed')
    sendError(asResponse(response), error)
    expect(response.statusCode).toBe(503)
    expect(response.json).toEqual({ schemas: [ERROR_SCHEMA_URN], status: '503' })
    expect(response.body).not.toContain('hunter2')
  })

  it('says nothing about a 5xx http-error marked exposed by a careless host', () => {
    const response = new FakeResponse()
    sendError(asResponse(response), createError(500, 'stack: at secret.ts:12', { expose: true }))
    expect(response.json).toEqual({ schemas: [ERROR_SCHEMA_URN], status: '500' })
  })

  it.each<[string, unknown]>([
    ['a plain Error', new Error('SELECT * FROM users WHERE token = s3cr3t')],
    ['a TypeError', new TypeError('cannot read s3cr3t of undefined')],
    ['a string', 's3cr3t'],
    ['undefined', undefined],
    ['an object posing as an error', { status: 400, message: 's3cr3t', expose: true }],
  ])('answers %s with a bare 500', (_, error) => {
    const response = new FakeResponse()
    sendError(asResponse(response), error)
    expect(response.statusCode).toBe(500)
    expect(response.json).toEqual({ schemas: [ERROR_SCHEMA_URN], status: '500' })
    expect(response.body).not.toContain('s3cr3t')
  })

  it('passes extra headers (WWW-Authenticate on 401)', () => {
    const response = new FakeResponse()
    sendError(asResponse(response), scimError(401, undefined, 'Authentication required'), {
      'WWW-Authenticate': 'Bearer',
    })
    expect(response.statusCode).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('destroys the response when the headers are already sent, writing nothing more', () => {
    const response = new FakeResponse()
    response.headersSent = true
    response.statusCode = 200
    sendError(asResponse(response), scimError(400, 'invalidValue', 'late'))
    expect(response.destroyed).toBe(1)
    expect(response.ended).toBe(0)
    expect(response.statusCode).toBe(200)
    expect(response.headers.size).toBe(0)
  })
})
