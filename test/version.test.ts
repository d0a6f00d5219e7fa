// PACKAGE_VERSION (the instrumentation scope's version) must be the version package.json publishes.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_VERSION } from '../lib/version'

describe('PACKAGE_VERSION', () => {
  it("equals package.json's version", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string
    }
    expect(PACKAGE_VERSION).toBe(manifest.version)
  })

  it('is a semantic version', () => {
    expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/)
  })
})
