// The memory stores refuse to run in a node:cluster worker (real worker processes): each worker would keep its own users and teams.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from '@jest/globals'

const run = promisify(execFile)
const STORES = join(__dirname, '..', '..', 'lib', 'stores')

/** A cluster primary that builds the store, then forks one worker that tries and reports what happened. */
const program = (className: string, module: string) => `
const cluster = require('node:cluster')
const stores = require(${JSON.stringify(join(STORES, module))})
if (cluster.isPrimary) {
  new stores.${className}()
  const worker = cluster.fork()
  worker.on('message', (message) => { console.log(message); worker.kill() })
} else {
  try {
    new stores.${className}()
    process.send('built')
  } catch (error) {
    process.send(error.code + ': ' + error.message)
  }
}
`

describe('memory stores under node:cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'express-scim-cluster-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['MemoryUserStore', 'memory-users'],
    ['MemoryTeamStore', 'memory-teams'],
  ])(
    '%s is built in the primary and refused in a worker',
    async (className, module) => {
      const file = join(dir, `${module}.js`)
      writeFileSync(file, program(className, module))
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { timeout: 60_000 })
      expect(stdout).toContain('ERR_INVALID_OPTION')
      expect(stdout).toContain(`${className} keeps its data in this process`)
      expect(stdout).not.toContain('built')
    },
    60_000,
  )
})
