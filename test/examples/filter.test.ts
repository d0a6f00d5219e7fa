// Drives examples/filter so the example cannot rot.
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { explainFilter } from '../../examples/filter'

describe('examples/filter', () => {
  it('explains a filter: canonical text, SQL with parameters, and matches', () => {
    expect(explainFilter('USERNAME EQ "BJENSEN"')).toEqual({
      filter: 'USERNAME EQ "BJENSEN"',
      canonical: 'USERNAME eq "BJENSEN"',
      sql: '(u.login_folded = $1)',
      values: ['bjensen'],
      matches: ['bjensen'],
    })
  })

  it('answers a hostile filter with the SCIM error, not an exception', () => {
    expect(explainFilter('userName eq "x" or 1=1 --')).toEqual({
      filter: 'userName eq "x" or 1=1 --',
      error: {
        status: 400,
        scimType: 'invalidFilter',
        detail: expect.stringContaining("Invalid attribute name '1'"),
      },
    })
  })

  it('runs as a script', () => {
    const root = resolve(__dirname, '../..')
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'examples/filter/index.ts', 'emails[type eq "work"].value ew "example.com"'],
      { cwd: root, encoding: 'utf8' },
    )
    expect(JSON.parse(out.slice(out.indexOf('{')))).toMatchObject({ matches: ['bjensen'] })
  })
})
