// One HTTP exchange with the endpoint under test: a timeout on the whole exchange, no redirects, a bounded body.

/** What came back: status, headers with lower-case names, and the body as text. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** A request in HTTP terms. */
export interface Exchange {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

/** Why no answer came: the server took too long, the connection failed, or the run was stopped. */
export class NoAnswer extends Error {
  constructor(
    readonly kind: 'timeout' | 'connection' | 'interrupted',
    message: string,
  ) {
    super(message)
    this.name = 'NoAnswer'
  }
}

/** Answers longer than this are cut: a check needs the start of a body, and a broken server may never stop. */
const MAX_BODY_BYTES = 8 * 1024 * 1024

async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel()
      break
    }
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The most specific reason Node gives for a failed fetch (`ECONNREFUSED`, `UND_ERR_SOCKET`, `bad port`…):
 * the first `code` down the cause chain, else the innermost message. Duck-typed, because fetch's errors come
 * from Node's own realm and fail `instanceof Error` in a sandboxed test runner.
 */
function reasonOf(error: unknown): string {
  let current: unknown = error
  let message = 'unknown error'
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, message: text, cause } = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof text === 'string' && text !== '') message = text
    if (typeof code === 'string') return `${code}: ${message}`
    current = cause
  }
  return message
}

/**
 * Sends one request and reads the whole answer within `timeoutMs`. Redirects are not followed: a SCIM
 * endpoint answers where it is asked, and following one would send the token elsewhere.
 */
export async function exchange(request: Exchange, timeoutMs: number, stop?: AbortSignal): Promise<Answer> {
  if (stop?.aborted) throw new NoAnswer('interrupted', 'the run was interrupted')
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const onStop = () => controller.abort()
  stop?.addEventListener('abort', onStop, { once: true })
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: controller.signal,
    })
    const text = await readBounded(response)
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value
    })
    return { status: response.status, headers, text }
  } catch (error) {
    if (stop?.aborted) throw new NoAnswer('interrupted', 'the run was interrupted')
    if (controller.signal.aborted) throw new NoAnswer('timeout', `no answer within ${timeoutMs} ms`)
    throw new NoAnswer('connection', `the connection failed (${reasonOf(error)})`)
  } finally {
    clearTimeout(timer)
    stop?.removeEventListener('abort', onStop)
  }
}
