// Sends HTTP requests from a separate Node process, so that client and server do not share an event loop (as in production): what a real client reads is what this returns.
import { execFile } from 'node:child_process'

/** How the other process uploads its body. */
export interface RemotePost {
  /** Absolute URL to POST to. */
  readonly url: string
  /** Request headers (Content-Length and Transfer-Encoding are set from `client` and `chunked`). */
  readonly headers: Readonly<Record<string, string>>
  /** Size of the body in bytes: a SCIM User whose nickName fills it. */
  readonly bytes: number
  /** Node's global `fetch` (undici) or `http.request`. */
  readonly client: 'fetch' | 'http.request'
  /** A chunked body (a stream) rather than one with Content-Length. */
  readonly chunked: boolean
  /** How many times to send it, one after the other. */
  readonly attempts: number
}

/** One attempt: the response the client read, or the error code it got instead. */
export type RemoteAnswer =
  | {
      readonly status: number
      readonly headers: Readonly<Record<string, string | string[] | undefined>>
      readonly body: string
    }
  | { readonly error: string }

// Plain JavaScript run with `node --input-type=module`: only Node built-ins, parameters in argv[1].
const SCRIPT = `
import http from 'node:http'
const spec = JSON.parse(process.argv[1])
const head = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"huge","nickName":"'
const tail = '"}'
const body = Buffer.from(head + 'x'.repeat(spec.bytes - head.length - tail.length) + tail)
const PIECE = 64 * 1024
function* pieces() {
  for (let offset = 0; offset < body.length; offset += PIECE) yield body.subarray(offset, offset + PIECE)
}
const codeOf = (error) => String(error?.cause?.code ?? error?.code ?? error?.cause?.message ?? error?.message)
async function viaFetch() {
  const init = { method: 'POST', headers: spec.headers }
  if (spec.chunked) {
    const it = pieces()
    init.body = new ReadableStream({ pull(c) { const n = it.next(); if (n.done) c.close(); else c.enqueue(n.value) } })
    init.duplex = 'half'
  } else init.body = body
  const res = await fetch(spec.url, init)
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }
}
function viaRequest() {
  return new Promise((resolve, reject) => {
    let response
    const headers = { ...spec.headers, ...(spec.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(body.length) }) }
    const req = http.request(spec.url, { method: 'POST', headers }, (res) => {
      response = res
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }))
      res.on('error', reject)
    })
    // The server may close the connection while this client still writes: that is no failure when the
    // whole answer arrived (the response then still ends), only when it did not (the response errors).
    req.on('error', (error) => { if (!response) reject(error) })
    if (!spec.chunked) { req.end(body); return }
    const it = pieces()
    const pump = () => {
      for (let n = it.next(); !n.done; n = it.next()) {
        if (req.destroyed) return
        if (!req.write(n.value)) { req.once('drain', pump); return }
      }
      req.end()
    }
    pump()
  })
}
const answers = []
for (let i = 0; i < spec.attempts; i++) {
  try { answers.push(await (spec.client === 'fetch' ? viaFetch() : viaRequest())) }
  catch (error) { answers.push({ error: codeOf(error) }) }
}
process.stdout.write(JSON.stringify(answers))
`

/** POSTs from a child Node process and returns what it read, attempt by attempt. */
export function postFromAnotherProcess(spec: RemotePost): Promise<RemoteAnswer[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, JSON.stringify(spec)],
      { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the client process failed: ${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout) as RemoteAnswer[])
      },
    )
  })
}
