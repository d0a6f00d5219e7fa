// Captures the library's `debug` output (every express-scim:* namespace) for the tests that check it carries no secrets.
import { format } from 'node:util'
import { afterAll, beforeAll } from '@jest/globals'
import createDebug from 'debug'

/**
 * Turns `express-scim:*` on for the enclosing describe block (or file) and collects every line it
 * prints; restores the previous namespaces and logger afterwards. Returns the live array of lines.
 */
export function captureDebugOutput(): string[] {
  const captured: string[] = []
  const originalLog = createDebug.log
  let previous = ''
  beforeAll(() => {
    previous = createDebug.disable()
    createDebug.log = (...args: unknown[]) => {
      captured.push(format(...args))
    }
    createDebug.enable('express-scim:*')
  })
  afterAll(() => {
    createDebug.log = originalLog
    createDebug.disable()
    if (previous) createDebug.enable(previous)
  })
  return captured
}
