#!/usr/bin/env node
// The `express-scim` executable: wires the process (streams, environment, Ctrl-C) to runCli and exits with its code.
import { runCli } from './program'

const controller = new AbortController()
let interrupts = 0
process.on('SIGINT', () => {
  interrupts++
  if (interrupts > 1) process.exit(130)
  // The first Ctrl-C stops new requests; cleanup still runs. A second one leaves at once.
  process.stderr.write('\ninterrupted: deleting what the run created (Ctrl-C again to leave now)\n')
  controller.abort()
})

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // Unexpected: say what broke without a stack (run with NODE_DEBUG or a debugger for more).
    process.stderr.write(`express-scim: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
