// Unit tests of the JSON body reader: media types, byte limits before and while reading, JSON shape, hostile keys.
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { isScimError, type ScimError } from '../../lib/errors'
import { parseByteSize, readJsonObject } from '../../lib/http/body'

const SCIM_JSON = 'application/scim+json'

/** A fake IncomingMessage: a readable stream of the given chunks with the given headers. */
function fakeRequest(
  chunks: readonly (string | Buffer)[],
  headers: Record<string, string | undefined>,
): IncomingMessage & Readable {
  const stream = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)))
  return Object.assign(stream, { headers }) as unknown as IncomingMessage & Readable
}

/** A request whose body must never be read: reading it is recorded and fails. */
function unreadableRequest(headers: Record<string, string>) {
  const read = jest.fn(() => {
    throw new Error('the body was read')
  })
  const stream = new Readable({ read })
  return { request: Object.assign(stream, { headers }) as unknown as IncomingMessage & Readable, read }
}

/** The SCIM error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<ScimError> {
  try {
    await promise
  } catch (error) {
    if (isScimError(error)) return error
    throw error
  }
  throw new Error('expected a SCIM error, but the promise resolved')
}

const json = (body: string, contentType = SCIM_JSON) =>
  fakeRequest([body], { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) })

describe('readJsonObject: media type', () => {
  it.each([
    SCIM_JSON,
    'application/json',
    'application/json; charset=utf-8',
    'application/scim+json;charset=UTF-8',
    'Application/SCIM+JSON; charset="utf8"',
    'application/json ; charset = utf-8',
  ])('accepts %s', async (contentType) => {
    await expect(readJsonObject(json('{"a":1}', contentType), 1024)).resolves.toEqual({ a: 1 })
  })

  it.each([
    'text/plain',
    'application/xml',
    'application/x-www-form-urlencoded',
    'application/json; charset=latin1',
    'application/scim+json; charset=iso-8859-1',
    'application/json-patch+json',
    '',
    '   ',
  ])('answers 415 for %j', async (contentType) => {
    const error = await rejection(readJsonObject(json('{"a":1}', contentType), 1024))
    expect(error.status).toBe(415)
  })

  it('answers 415 when Content-Type is missing', async () => {
    const error = await rejection(readJsonObject(fakeRequest(['{"a":1}'], {}), 1024))
    expect(error.status).toBe(415)
  })

  it('answers 415 for a compressed body, before reading it', async () => {
    const { request, read } = unreadableRequest({ 'content-type': SCIM_JSON, 'content-encoding': 'gzip' })
    const error = await rejection(readJsonObject(request, 1024))
    expect(error.status).toBe(415)
    expect(read).not.toHaveBeenCalled()
  })

  it('accepts Content-Encoding: identity', async () => {
    const request = fakeRequest(['{"a":1}'], { 'content-type': SCIM_JSON, 'content-encoding': 'Identity' })
    await expect(readJsonObject(request, 1024)).resolves.toEqual({ a: 1 })
  })

  it('checks the media type before using a body express.json() already parsed', async () => {
    const request = Object.assign(fakeRequest([], { 'content-type': 'text/plain' }), {
      _body: true,
      body: { a: 1 },
    })
    expect((await rejection(readJsonObject(request, 1024))).status).toBe(415)
  })
})

describe('readJsonObject: size limit', () => {
  it('answers 413 from Content-Length without reading a byte', async () => {
    const { request, read } = unreadableRequest({ 'content-type': SCIM_JSON, 'content-length': '11' })
    const error = await rejection(readJsonObject(request, 10))
    expect(error.status).toBe(413)
    expect(error.message).toContain('10')
    expect(read).not.toHaveBeenCalled()
  })

  it('accepts a body of exactly the limit', async () => {
    const body = '{"a":"12"}' // 10 bytes
    await expect(readJsonObject(json(body), 10)).resolves.toEqual({ a: '12' })
  })

  it('answers 413 when the streamed body passes the limit without Content-Length, and stops reading', async () => {
    const request = fakeRequest(['{"a":"', 'x'.repeat(8), 'y'.repeat(8), '"}'], { 'content-type': SCIM_JSON })
    const error = await rejection(readJsonObject(request, 16))
    expect(error.status).toBe(413)
    expect(request.isPaused()).toBe(true)
    expect(request.listenerCount('data')).toBe(0)
  })

  it('answers 413 when Content-Length understates the body', async () => {
    const body = `{"a":"${'x'.repeat(100)}"}`
    const request = fakeRequest([body], { 'content-type': SCIM_JSON, 'content-length': '5' })
    expect((await rejection(readJsonObject(request, 50))).status).toBe(413)
  })

  it('counts bytes, not characters', async () => {
    // 6 characters, 12 bytes in UTF-8.
    const body = `{"a":"${'é'.repeat(3)}"}`
    expect(body.length).toBeLessThan(16)
    expect(Buffer.byteLength(body)).toBeGreaterThan(12)
    const request = fakeRequest([body], { 'content-type': SCIM_JSON })
    expect((await rejection(readJsonObject(request, 12))).status).toBe(413)
  })

  it('decodes a UTF-8 character split across chunks', async () => {
    const bytes = Buffer.from('{"name":"Zoë"}', 'utf8')
    const split = bytes.indexOf(0xc3) + 1 // in the middle of ë
    const request = fakeRequest([bytes.subarray(0, split), bytes.subarray(split)], {
      'content-type': SCIM_JSON,
    })
    await expect(readJsonObject(request, 1024)).resolves.toEqual({ name: 'Zoë' })
  })
})

describe('readJsonObject: JSON shape', () => {
  it.each(['', '   ', '\n'])('answers 400 invalidSyntax for the empty body %j', async (body) => {
    const error = await rejection(readJsonObject(json(body), 1024))
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' })
  })

  it('answers 400 invalidSyntax for invalid JSON, without quoting the body', async () => {
    const body = '{"userName":"alice","password":"hunter2-secret"'
    const error = await rejection(readJsonObject(json(body), 1024))
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax', expose: true })
    expect(error.message).not.toContain('hunter2')
    expect(error.message).not.toContain('alice')
  })

  it.each(['[]', '[{"a":1}]', 'null', '42', '"text"', 'true'])(
    'answers 400 invalidSyntax for the non-object %s',
    async (body) => {
      const error = await rejection(readJsonObject(json(body), 1024))
      expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' })
    },
  )

  it.each<[string, BufferEncoding, number]>([
    ['in one chunk', 'utf8', 1],
    ['split inside a multi-byte character', 'utf8', 3],
    ['as hex', 'hex', 1],
    ['as hex, in chunks', 'hex', 4],
    ['as latin1, in chunks', 'latin1', 5],
  ])('reads a body whose stream a host set to strings (setEncoding), %s', async (_, encoding, pieces) => {
    const text = '{"userName":"zoë@example.com","displayName":"Zoë Ünal"}'
    const bytes = Buffer.from(text, 'utf8')
    const size = Math.ceil(bytes.length / pieces)
    // Cut at byte offsets, so a piece can end inside the two bytes of ë.
    const chunks = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * size, (i + 1) * size))
    const request = fakeRequest(chunks, {
      'content-type': SCIM_JSON,
      'content-length': String(bytes.length),
    })
    request.setEncoding(encoding)
    await expect(readJsonObject(request, 1024)).resolves.toEqual(JSON.parse(text))
  })

  it('counts a string-chunked body in bytes against the limit', async () => {
    const body = JSON.stringify({ userName: 'x'.repeat(100) })
    const request = fakeRequest([body], { 'content-type': SCIM_JSON })
    request.setEncoding('hex')
    expect(await rejection(readJsonObject(request, 50))).toMatchObject({ status: 413 })
  })

  it('uses a body express.json() already parsed, without reading the stream', async () => {
    const { request, read } = unreadableRequest({ 'content-type': 'application/json' })
    Object.assign(request, { _body: true, body: { userName: 'alice' } })
    await expect(readJsonObject(request, 1024)).resolves.toEqual({ userName: 'alice' })
    expect(read).not.toHaveBeenCalled()
  })

  it('refuses a non-object body express.json() already parsed', async () => {
    const { request } = unreadableRequest({ 'content-type': 'application/json' })
    Object.assign(request, { _body: true, body: ['a'] })
    expect(await rejection(readJsonObject(request, 1024))).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
    })
  })

  it('reads the stream when `body` is set but `_body` is not true', async () => {
    const request = Object.assign(json('{"from":"stream"}'), { body: { from: 'host' } })
    await expect(readJsonObject(request, 1024)).resolves.toEqual({ from: 'stream' })
  })

  it('never pollutes Object.prototype through a __proto__ key', async () => {
    const body = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted2":true}},"a":1}'
    const value = await readJsonObject(json(body), 1024)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted2).toBeUndefined()
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(value.a).toBe(1)
  })
})

describe('readJsonObject: broken streams', () => {
  it('answers 400 when the stream fails, without the cause in the detail', async () => {
    const stream = new Readable({ read() {} })
    const request = Object.assign(stream, {
      headers: { 'content-type': SCIM_JSON },
    }) as unknown as IncomingMessage
    const promise = readJsonObject(request, 1024)
    stream.push(Buffer.from('{"a":'))
    stream.destroy(new Error('ECONNRESET at 10.0.0.7'))
    const error = await rejection(promise)
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' })
    expect(error.message).not.toContain('10.0.0.7')
  })

  it('answers 400 when the request is aborted', async () => {
    const stream = new Readable({ read() {} })
    const request = Object.assign(stream, {
      headers: { 'content-type': SCIM_JSON },
    }) as unknown as IncomingMessage
    const promise = readJsonObject(request, 1024)
    stream.push(Buffer.from('{"a":'))
    setImmediate(() => stream.emit('aborted'))
    expect(await rejection(promise)).toMatchObject({ status: 400, scimType: 'invalidSyntax' })
  })
})

describe('parseByteSize', () => {
  it.each<[number | string, number]>([
    [100, 100],
    [1, 1],
    ['100', 100],
    ['100b', 100],
    ['512kb', 512 * 1024],
    ['1mb', 1024 * 1024],
    ['1MB', 1024 * 1024],
    [' 2 mb ', 2 * 1024 * 1024],
    ['1.5kb', 1536],
    ['1gb', 1024 ** 3],
  ])('reads %j as %d bytes', (value, bytes) => {
    expect(parseByteSize(value, 'bodyLimit')).toBe(bytes)
  })

  it.each<unknown>([
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    '',
    'abc',
    '1tb',
    '-1mb',
    '0kb',
    '0.1b',
    '1 m b',
    'mb',
    '1e3',
    null,
    undefined,
    {},
    ['1mb'],
  ])('throws a TypeError naming the option for %p', (value) => {
    expect(() => parseByteSize(value as string, 'bodyLimit')).toThrow(TypeError)
    expect(() => parseByteSize(value as string, 'bodyLimit')).toThrow(/bodyLimit/)
  })

  it.each([
    ['400 nines', '9'.repeat(400)],
    ['99999999999gb', '99999999999gb'],
    ['2 ** 53 + 1', '9007199254740993'],
  ])(
    'refuses the string size %s beyond the safe integer range, as it refuses the number 2 ** 53',
    (_, value) => {
      // Otherwise a digit string reads as Infinity (or an unsafe integer): no body limit at all.
      expect(() => parseByteSize(value, 'bodyLimit')).toThrow(TypeError)
    },
  )
})
