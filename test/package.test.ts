// Packs the package and loads the tarball from a scratch folder with require, import and tsc, as a host would.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(__dirname, '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
}

let scratch: string
let files: string[]

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'express-scim-pack-'))
  // `npm pack` runs the prepack build, so this tests exactly what would be published.
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const [packed] = JSON.parse(out.slice(out.indexOf('['))) as {
    filename: string
    files: { path: string }[]
  }[]
  if (!packed) throw new Error('npm pack printed no result')
  files = packed.files.map((f) => f.path)
  const installed = join(scratch, 'node_modules', 'express-scim')
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', join(scratch, packed.filename), '-C', installed, '--strip-components=1'])
  // Runtime dependencies come from this checkout's node_modules: the test needs no network.
  for (const dependency of Object.keys(manifest.dependencies)) {
    symlinkSync(join(root, 'node_modules', dependency), join(scratch, 'node_modules', dependency), 'dir')
  }
  // What an Express host has anyway: express itself and Node's types.
  symlinkSync(join(root, 'node_modules', 'express'), join(scratch, 'node_modules', 'express'), 'dir')
  mkdirSync(join(scratch, 'node_modules', '@types'), { recursive: true })
  symlinkSync(
    join(root, 'node_modules', '@types', 'node'),
    join(scratch, 'node_modules', '@types', 'node'),
    'dir',
  )
}, 120_000)

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

const script = 'parseFilter, stringifyFilter, matchesFilter, filterToSql, isScimError, USER_SCHEMA'
const check = `
  const ast = parseFilter('userName eq "bjensen"');
  if (stringifyFilter(ast) !== 'userName eq "bjensen"') throw new Error('round trip');
  if (!matchesFilter(ast, { userName: 'BJensen' }, { resourceType: 'User' })) throw new Error('match');
  if (filterToSql(ast, { userName: 'u.user_name' }).text !== '(lower(u.user_name) = lower(CASE WHEN false THEN u.user_name ELSE $1 END))') throw new Error('sql');
  try { parseFilter('('); } catch (e) { if (!isScimError(e)) throw e; }
  console.log('ok ' + USER_SCHEMA);
`

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: scratch, encoding: 'utf8' }).trim()
}

describe('the packed package', () => {
  it('ships the build and the docs, and no tests or sources', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'LICENSE',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
      ]),
    )
    expect(files.filter((f) => /^(test|bench|examples|lib|types|\.ci)\//.test(f))).toEqual([])
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
  })

  it('loads with require', () => {
    expect(node(['-e', `const { ${script} } = require('express-scim');${check}`])).toBe(
      'ok urn:ietf:params:scim:schemas:core:2.0:User',
    )
  })

  it('loads with import', () => {
    expect(node(['--input-type=module', '-e', `import { ${script} } from 'express-scim';${check}`])).toBe(
      'ok urn:ietf:params:scim:schemas:core:2.0:User',
    )
  })

  it('mounts the router from the tarball and answers a SCIM request', () => {
    const program = `
      const express = require('express');
      const http = require('node:http');
      const { createScimRouter, MemoryUserStore, MemoryTeamStore, MemorySessionRevoker, staticTokens } = require('express-scim');
      const app = express();
      app.use('/scim', createScimRouter({ userStore: new MemoryUserStore(), teamStore: new MemoryTeamStore(),
        sessionRevoker: new MemorySessionRevoker(), authenticate: staticTokens(['packed-token']) }));
      const server = app.listen(0, () => {
        http.get({ port: server.address().port, path: '/scim/ServiceProviderConfig',
          headers: { authorization: 'Bearer packed-token' } }, (res) => {
          let body = ''; res.on('data', (c) => (body += c));
          res.on('end', () => { console.log(res.statusCode + ' ' + res.headers['content-type'] + ' ' + JSON.parse(body).patch.supported); server.close(); });
        });
      });`
    expect(node(['-e', program])).toBe('200 application/scim+json; charset=utf-8 true')
  })

  it('resolves the testing subpath', () => {
    expect(node(['-e', "console.log(typeof require.resolve('express-scim/testing'))"])).toBe('string')
  })

  it('typechecks in a strict TypeScript host using the exports map', () => {
    writeFileSync(
      join(scratch, 'host.ts'),
      [
        "import { parseFilter, type Filter, type ScimError, isScimError } from 'express-scim'",
        "import { createScimRouter, MemoryUserStore, MemorySessionRevoker, staticTokens, type UserStore, type ScimEvent } from 'express-scim'",
        "import type { UserStoreContractSetup } from 'express-scim/testing'",
        'const ast: Filter = parseFilter(\'userName eq "x"\')',
        'export const kind: string = ast.kind',
        'export function status(e: unknown): number | undefined { return isScimError(e) ? (e as ScimError).status : undefined }',
        'const userStore: UserStore = new MemoryUserStore()',
        'export const setup: UserStoreContractSetup = { store: userStore }',
        'export const router = createScimRouter({ userStore, sessionRevoker: new MemorySessionRevoker(),',
        "  authenticate: staticTokens(['t0ken']), onEvent: (e: ScimEvent) => { if (e.type === 'user.deleted') void e.mode } })",
      ].join('\n'),
    )
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'node16',
          moduleResolution: 'node16',
          noEmit: true,
          types: ['node'],
        },
        files: ['host.ts'],
      }),
    )
    expect(() => node([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', scratch])).not.toThrow()
  })
})
