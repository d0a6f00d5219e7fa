// Answers a request whose body is refused unread (413, 415) so that the client can read the answer: send it, then read and discard the rest of the body, within fixed bounds, before the connection closes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { scimErrorBody } from '../errors'
import { writeJson } from './respond'

/** How much of a refused body is read and thrown away, and how long the connection may stay open. */
export interface DrainLimits {
  /** Most bytes read after the answer is written; beyond them nothing more is read. */
  readonly maxBytes: number
  /** Most milliseconds the connection stays open after the answer is written. */
  readonly maxMs: number
}

/**
 * The router's bounds: at most 16 MiB read and 10 seconds open per refused request. Reading costs no
 * memory (every chunk is dropped as it arrives) and about 1 ms of CPU per MiB; waiting costs an idle
 * socket. A client that has not finished or gone away by then has had ample time to read the answer.
 */
export const DRAIN_LIMITS: DrainLimits = Object.freeze({ maxBytes: 16 * 1024 * 1024, maxMs: 10_000 })

/**
 * Sends an error for a request whose body was not (or not wholly) read, with `Connection: close`.
 *
 * Why not just answer and close: closing a socket while the client is still sending makes the kernel
 * send a TCP reset, and a client that meets the reset while writing (EPIPE, ECONNRESET) gives up before
 * it has read the answer waiting in its receive buffer: it never sees the SCIM error. So (as nginx's
 * lingering close does):
 * 1. The whole answer is written at once; Content-Length marks it complete, and a client such as Node's
 *    fetch stops sending and closes as soon as it has it.
 * 2. The rest of the body is read and dropped. If it ends, the response ends and the connection closes
 *    cleanly.
 * 3. After `limits.maxBytes`, reading stops and the connection is half-closed (FIN after the answer):
 *    the client reads the answer and the end of the stream, and closes its side.
 * 4. After `limits.maxMs` in all, the connection is closed, whatever the client is doing.
 */
export function refuseUnreadBody(
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
  headers: Readonly<Record<string, string>> = {},
  limits: DrainLimits = DRAIN_LIMITS,
): void {
  if (response.headersSent) {
    // Too late for a status line: end the response so the client is not left waiting.
    response.destroy()
    return
  }
  const body = scimErrorBody(error)
  writeJson(response, Number(body.status), body, { ...headers, Connection: 'close' })
  if (request.readableEnded || request.destroyed) {
    response.end()
    return
  }
  drainThenClose(request, response, limits)
}

function drainThenClose(request: IncomingMessage, response: ServerResponse, limits: DrainLimits): void {
  const socket = request.socket
  let bytes = 0
  let stopped = false
  const detach = () => {
    stopped = true
    clearTimeout(timer)
    request.off('data', onData)
    request.off('end', onEnd)
    request.off('error', onGone)
    request.off('close', onGone)
  }
  const onData = (chunk: Buffer) => {
    bytes += chunk.length
    if (bytes <= limits.maxBytes) return
    // Step 3: read no more; the client's writes now wait on TCP flow control, which costs us nothing.
    request.off('data', onData)
    request.pause()
    if (!socket.destroyed) socket.end()
  }
  const onEnd = () => {
    if (stopped) return
    detach()
    // Step 2: with Connection: close, Node closes the connection once the response has ended.
    if (!socket.destroyed) response.end()
  }
  const onGone = () => {
    if (stopped) return
    detach()
    socket.destroy()
  }
  const timer = setTimeout(onGone, limits.maxMs)
  // A pending drain must not keep a process alive that is otherwise done.
  timer.unref()
  request.on('data', onData)
  request.on('end', onEnd)
  request.on('error', onGone)
  request.on('close', onGone)
  request.resume()
}
