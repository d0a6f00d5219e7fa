// Reads a JSON request body with a byte limit: media type checked first, 413 before the body is read, SCIM errors only.
import type { IncomingMessage } from 'node:http'
import { configError, scimError } from '../errors'

/** Media types a SCIM request body may carry. RFC 7644 §3.1 (and plain JSON, which IdPs send). */
const JSON_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/scim+json', 'application/json'])

/** A body some earlier middleware (express.json, body-parser) has already read. */
interface ParsedByHost {
  readonly _body?: unknown
  readonly body?: unknown
}

/** Parses `1mb`, `512kb`, `100b` or a number of bytes. Throws TypeError on anything else. */
export function parseByteSize(value: number | string, name: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value
  } else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value)
    if (match) {
      const unit = (match[2] ?? 'b').toLowerCase()
      const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1
      const bytes = Math.floor(Number(match[1]) * factor)
      if (bytes > 0 && bytes <= Number.MAX_SAFE_INTEGER) return bytes
    }
  }
  throw configError(
    'ERR_INVALID_OPTION',
    `${name} must be a positive number of bytes or a size such as '1mb'`,
  )
}

/** The answer for a Content-Type that is exactly one of the JSON media types, as IdPs send them. */
const EXACT_JSON_TYPES: ReadonlyMap<string, { readonly type: string; readonly utf8: boolean }> = new Map(
  [...JSON_MEDIA_TYPES].map((type) => [type, Object.freeze({ type, utf8: true })]),
)

/** The media type of a Content-Type header, lower-case, and whether its charset (if any) is UTF-8. */
function mediaTypeOf(header: string | undefined): { type: string; utf8: boolean } | undefined {
  if (header === undefined) return undefined
  const exact = EXACT_JSON_TYPES.get(header)
  if (exact !== undefined) return exact
  if (header.trim() === '') return undefined
  const [type = '', ...parameters] = header.split(';')
  let utf8 = true
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=')
    if (name.trim().toLowerCase() === 'charset') {
      const charset = value.trim().replace(/^"|"$/g, '').toLowerCase()
      utf8 = charset === 'utf-8' || charset === 'utf8'
    }
  }
  return { type: type.trim().toLowerCase(), utf8 }
}

function unsupportedMediaType(): Error {
  return scimError(
    415,
    undefined,
    'The request body must be application/scim+json (or application/json) in UTF-8',
  )
}

/**
 * Reads the request body as a JSON object. 415 for another media type or charset, 413 as soon as the
 * body is known to exceed `limit` (from Content-Length, before reading a byte), 400 `invalidSyntax`
 * for anything that is not a JSON object. Error details never quote the body.
 */
export async function readJsonObject(
  request: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const media = mediaTypeOf(request.headers['content-type'])
  if (!media || !JSON_MEDIA_TYPES.has(media.type) || !media.utf8) throw unsupportedMediaType()
  const encoding = request.headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw unsupportedMediaType()

  const host = request as IncomingMessage & ParsedByHost
  let value: unknown
  if (host._body === true || request.readableEnded) {
    // The host's express.json() got there first (body-parser 1 marks it with `_body`, body-parser 2
    // only leaves the stream read): use what it parsed; a stream read by anything else is empty here.
    // Its limit is the host's: ours still holds for what the request declared.
    const declared = request.headers['content-length']
    if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit)
    value = host.body
    if (value === undefined) throw scimError(400, 'invalidSyntax', 'The request body is empty')
  } else {
    const declared = request.headers['content-length']
    if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit)
    value = parseJson(await readText(request, limit))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw scimError(400, 'invalidSyntax', 'The request body must be a JSON object')
  }
  return value as Record<string, unknown>
}

function tooLarge(limit: number): Error {
  return scimError(413, undefined, `The request body is larger than ${limit} bytes`)
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw scimError(400, 'invalidSyntax', 'The request body is empty')
  try {
    return JSON.parse(text)
  } catch {
    throw scimError(400, 'invalidSyntax', 'The request body is not valid JSON')
  }
}

/** Reads the stream up to `limit` bytes; stops reading and fails with 413 beyond it. */
function readText(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    // `on` and `off` read once each: every read of a property of a request object misses its inline
    // cache under Express (each request has a hidden class of its own), and adding a listener changes
    // that class again.
    const { on, off } = request
    const finish = (error: Error | undefined) => {
      if (settled) return
      settled = true
      off.call(request, 'data', onData)
      off.call(request, 'end', onEnd)
      off.call(request, 'error', onError)
      off.call(request, 'aborted', onAborted)
      if (error) {
        // Stop reading what is left: the response goes out now and the connection is not reused.
        request.pause()
        reject(error)
      } else {
        // A body that came in one chunk (most do) is decoded where it lies, not copied first.
        resolve(
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'),
        )
      }
    }
    const onData = (data: Buffer | string) => {
      // A host that called `setEncoding` gets strings: its encoding gives the bytes back exactly.
      const chunk = typeof data === 'string' ? Buffer.from(data, request.readableEncoding ?? 'utf8') : data
      size += chunk.length
      if (size > limit) finish(tooLarge(limit))
      else chunks.push(chunk)
    }
    const onEnd = () => finish(undefined)
    const onError = () => finish(scimError(400, 'invalidSyntax', 'The request body could not be read'))
    const onAborted = () => finish(scimError(400, 'invalidSyntax', 'The request was aborted'))
    on.call(request, 'data', onData)
    on.call(request, 'end', onEnd)
    on.call(request, 'error', onError)
    on.call(request, 'aborted', onAborted)
  })
}
