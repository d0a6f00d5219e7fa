// Packs the package and loads the tarball from a scratch folder with require, import and tsc, as a host would.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(__dirname, '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  exports: Record<string, unknown>
  repository?: { url?: string }
  homepage?: string
  bugs?: { url?: string }
  bin?: Record<string, string>
}

/**
 * Every entry, with an expression over its module `m` that uses one real export and prints a known
 * result: a subpath that loads but exports the wrong thing fails as surely as one that does not load.
 */
const ENTRIES: readonly { readonly specifier: string; readonly probe: string; readonly expected: string }[] =
  [
    {
      specifier: 'express-scim',
      probe: "m.isScimError(m.uniquenessConflict('userName')) && typeof m.createScimRouter",
      expected: 'function',
    },
    {
      specifier: 'express-scim/filter',
      probe: 'm.stringifyFilter(m.parseFilter(\'USERNAME Eq "bjensen"\'))',
      expected: 'USERNAME eq "bjensen"',
    },
    {
      specifier: 'express-scim/sql',
      probe: "m.escapeLike('50%_off')",
      expected: '50\\%\\_off',
    },
    {
      specifier: 'express-scim/patch',
      probe: `m.applyPatch({ schemas: [], displayName: 'A' }, { schemas: [m.PATCH_OP_SCHEMA],
      Operations: [{ op: 'replace', path: 'displayName', value: 'B' }] }, { resourceType: 'User' }).resource.displayName`,
      expected: 'B',
    },
    {
      specifier: 'express-scim/schema',
      probe: "m.foldCase('ΣΑΣ') + ' ' + m.USER_SCHEMA", // final sigma folds as sigma
      expected: 'σασ urn:ietf:params:scim:schemas:core:2.0:User',
    },
    {
      specifier: 'express-scim/saml',
      probe: "new m.SamlLinkError('ERR_NO_PROFILE').status + ' ' + m.isSamlLinkError(new Error('x'))",
      expected: '401 false',
    },
    {
      specifier: 'express-scim/testing',
      probe: 'typeof m.describeUserStoreContract + typeof m.describeTeamStoreContract',
      expected: 'functionfunction',
    },
    {
      specifier: 'express-scim/check',
      probe: "m.builtInSuites().some((s) => s.name === 'entra-users') && typeof m.runCheck",
      expected: 'function',
    },
  ]

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

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: scratch, encoding: 'utf8' }).trim()
}

/** `tsc -p config` in this process: the diagnostics as tsc prints them, or '' when the host typechecks. */
function typecheck(config: string): string {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    config,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (!parsed) throw new Error(`cannot read ${config}`)
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)]
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => scratch,
    getNewLine: () => '\n',
  })
}

/**
 * One line per entry, `specifier: result` (or `specifier: <error code or message>`), from one Node process
 * that loads every entry: a CommonJS program with `require`, or an ES module with `import` (Node's
 * CommonJS interop names the exports).
 */
function loadEveryEntry(how: 'require' | 'import'): string[] {
  const program = ENTRIES.map(({ specifier, probe }) => {
    const load = how === 'require' ? `require('${specifier}')` : `await import('${specifier}')`
    return `try { const m = ${load}; console.log('${specifier}: ' + (${probe})) }
      catch (e) { console.log('${specifier}: ' + [e.code, String(e.message).split('\\n')[0]].join(' ')) }`
  }).join('\n')
  return node(how === 'import' ? ['--input-type=module', '-e', program] : ['-e', program]).split('\n')
}

const expectedLines = ENTRIES.map(({ specifier, expected }) => `${specifier}: ${expected}`)

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

  it('says where its source, home page and issue tracker are (npm links the README to them)', () => {
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/)
    expect(manifest.homepage).toMatch(/^https:\/\/github\.com\/.+#readme$/)
    expect(manifest.bugs?.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/)
  })

  it('maps every entry of the exports map, and only those, in the test', () => {
    const subpaths = Object.keys(manifest.exports).filter((key) => key !== './package.json')
    expect(subpaths.map((key) => (key === '.' ? 'express-scim' : `express-scim/${key.slice(2)}`))).toEqual(
      ENTRIES.map((entry) => entry.specifier),
    )
  })

  it('loads every entry with require', () => {
    expect(loadEveryEntry('require')).toEqual(expectedLines)
  })

  it('loads every entry with import', () => {
    expect(loadEveryEntry('import')).toEqual(expectedLines)
  })

  it('ships the express-scim executable, and `check` from the tarball passes against the router from the tarball', () => {
    const bin = manifest.bin?.['express-scim']
    expect(bin).toBe('./dist/lib/cli/main.js')
    const executable = join(scratch, 'node_modules', 'express-scim', bin as string)
    expect(readFileSync(executable, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    const program = `
      const express = require('express');
      const { execFile } = require('node:child_process');
      const { createScimRouter, MemoryUserStore, MemoryTeamStore, MemorySessionRevoker, staticTokens } = require('express-scim');
      const app = express();
      app.use('/scim', createScimRouter({ userStore: new MemoryUserStore(), teamStore: new MemoryTeamStore(),
        sessionRevoker: new MemorySessionRevoker(), authenticate: staticTokens(['packed-token-0123456789']),
        userSyncEnabled: true, groupSyncEnabled: true }));
      const server = app.listen(0, '127.0.0.1', () => {
        const url = 'http://127.0.0.1:' + server.address().port + '/scim';
        execFile(process.execPath, [${JSON.stringify(executable)}, 'check', url, '--only', 'entra'],
          { env: { ...process.env, SCIM_TOKEN: 'packed-token-0123456789', NO_COLOR: '1' } }, (error, stdout) => {
            console.log((error ? 'exit ' + error.code : 'exit 0') + ' ' + stdout.trim().split(String.fromCharCode(10)).pop());
            server.close();
          });
      });`
    // This router has no roleStore: entra-roles is not run (the server does not serve Role), never failed.
    expect(node(['-e', program])).toMatch(/^exit 0 \d+ passed, 0 failed, \d+ not run$/)
  })

  it('keeps its internals out of reach: a deep import is refused', () => {
    const deep =
      "try { require('express-scim/dist/lib/patch/apply'); console.log('loaded') } catch (e) { console.log(e.code) }"
    expect(node(['-e', deep])).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED')
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

  // A host importing from every entry, typechecked under each module resolution TypeScript hosts use:
  // node10 reads `typesVersions`, node16 and bundler read the `types` condition of `exports`.
  const host = [
    "import { createScimRouter, isScimError, MemorySessionRevoker, MemoryUserStore, staticTokens } from 'express-scim'",
    "import type { Filter as StoreFilter, ScimError, ScimEvent, ScimRouter, UserStore } from 'express-scim'",
    "import { parseFilter, type Filter } from 'express-scim/filter'",
    "import { filterToSql, type SqlAttributeMapping } from 'express-scim/sql'",
    "import { applyPatch, PATCH_OP_SCHEMA, type PatchResult } from 'express-scim/patch'",
    "import { foldCase, USER_SCHEMA, type SchemaDefinition } from 'express-scim/schema'",
    "import { isSamlLinkError, type SamlLinkErrorCode } from 'express-scim/saml'",
    "import type * as Testing from 'express-scim/testing'",
    'const ast: Filter = parseFilter(\'userName eq "x"\')',
    'export const same: StoreFilter = ast',
    "const mapping: SqlAttributeMapping = { userName: { expression: 'u.login', folded: 'u.login_folded' } }",
    'export const sql: string = filterToSql(ast, mapping).text + foldCase(USER_SCHEMA)',
    "export const patched: PatchResult<{ displayName?: string }> = applyPatch({ displayName: 'a' },",
    "  { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'displayName', value: 'b' }] }, { resourceType: 'User' })",
    'export function status(e: unknown): number | undefined { return isScimError(e) ? (e as ScimError).status : undefined }',
    'export function samlCode(e: unknown): SamlLinkErrorCode | undefined { return isSamlLinkError(e) ? e.code : undefined }',
    'export declare const schema: SchemaDefinition',
    'export type Suite = typeof Testing',
    'const userStore: UserStore = new MemoryUserStore()',
    'export const router: ScimRouter = createScimRouter({ userStore, sessionRevoker: new MemorySessionRevoker(),',
    "  authenticate: staticTokens(['t0ken']), onEvent: (e: ScimEvent) => { if (e.type === 'user.deleted') void e.mode } })",
  ].join('\n')

  // node16 also checks every declaration file the host loads (ours and @types/node: no skipLibCheck); the
  // others skip that, as most hosts do, and check only the host against our types, which keeps them fast.
  it.each([
    ['node10', { module: 'commonjs', moduleResolution: 'node10', skipLibCheck: true }],
    ['node16', { module: 'node16', moduleResolution: 'node16', skipLibCheck: false }],
    ['bundler (module esnext)', { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true }],
    ['bundler (module preserve)', { module: 'preserve', moduleResolution: 'bundler', skipLibCheck: true }],
  ])(
    'typechecks imports from every entry in a strict TypeScript host under moduleResolution %s',
    (name, options) => {
      const folder = join(scratch, `host-${name.replace(/\W+/g, '-')}`)
      mkdirSync(folder, { recursive: true })
      writeFileSync(join(folder, 'host.ts'), host)
      // `tsc -p folder`, run in this process.
      const compilerOptions = { ...options, target: 'es2022', strict: true, noEmit: true, types: ['node'] }
      writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['host.ts'] }))
      expect(typecheck(join(folder, 'tsconfig.json'))).toBe('')
    },
  )
})
