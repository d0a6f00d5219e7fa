// The public surface as data: every entry of package.json `exports`, each exported name and its kind, compared with a committed list.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(__dirname, '..')
const snapshotFile = join(__dirname, 'api-surface.snapshot.txt')
const UPDATE = process.env.UPDATE_API_SURFACE === '1'

const HEADER = [
  '# The public surface of express-scim: one line per exported name, `entry name kind`.',
  '# Written by test/api-surface.test.ts from the lib/ entry sources; a change to the surface shows here.',
  '# After a deliberate change: UPDATE_API_SURFACE=1 npx jest test/api-surface.test.ts, and note it in the CHANGELOG.',
]

/** One exported name of one entry. */
interface ExportLine {
  readonly entry: string
  readonly name: string
  readonly kind: string
}

/** `express-scim/filter` -> `lib/filter/index.ts`, read from the `types` condition of the exports map. */
function entriesOf(manifest: {
  name: string
  exports: Record<string, string | { types?: string }>
}): Map<string, string> {
  const entries = new Map<string, string>()
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue // ./package.json
    const types = target.types
    if (!types?.startsWith('./dist/') || !types.endsWith('.d.ts')) {
      throw new Error(`exports["${subpath}"].types is not a declaration file in dist/: ${types}`)
    }
    const entry = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`
    entries.set(entry, join(root, types.slice('./dist/'.length, -'.d.ts'.length) + '.ts'))
  }
  return entries
}

/** The kinds a symbol declares, as `function`, `class`, `const`, `type`, `interface` (joined by `+`). */
function kindOf(symbol: ts.Symbol): string {
  const kinds = new Set<string>()
  for (const declaration of symbol.declarations ?? []) {
    if (ts.isFunctionDeclaration(declaration)) kinds.add('function')
    else if (ts.isClassDeclaration(declaration)) kinds.add('class')
    else if (ts.isInterfaceDeclaration(declaration)) kinds.add('interface')
    else if (ts.isTypeAliasDeclaration(declaration)) kinds.add('type')
    else if (ts.isEnumDeclaration(declaration)) kinds.add('enum')
    else if (ts.isVariableDeclaration(declaration)) {
      kinds.add(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const ? 'const' : 'let')
    } else kinds.add(ts.SyntaxKind[declaration.kind])
  }
  return [...kinds].sort().join('+')
}

/** Every exported name of every entry, read with the compiler over the lib/ sources. */
function readSurface(entries: Map<string, string>): ExportLine[] {
  const program = ts.createProgram([...entries.values()], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  })
  const checker = program.getTypeChecker()
  const lines: ExportLine[] = []
  for (const [entry, file] of entries) {
    const source = program.getSourceFile(file)
    if (!source) throw new Error(`${entry}: no source at ${file}`)
    const module = checker.getSymbolAtLocation(source)
    if (!module) throw new Error(`${entry}: ${file} is not a module`)
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      lines.push({ entry, name: exported.name, kind: kindOf(target) })
    }
  }
  const order = [...entries.keys()]
  return lines.sort(
    (a, b) =>
      order.indexOf(a.entry) - order.indexOf(b.entry) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  )
}

const format = (line: ExportLine) => `${line.entry} ${line.name} ${line.kind}`

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const entries = entriesOf(manifest)
const surface = readSurface(entries)
const lines = surface.map(format)
const find = (entry: string, name: string) => surface.find((l) => l.entry === entry && l.name === name)

describe('the public surface', () => {
  it('matches test/api-surface.snapshot.txt (UPDATE_API_SURFACE=1 rewrites it)', () => {
    const text = [...HEADER, ...lines, ''].join('\n')
    if (UPDATE) writeFileSync(snapshotFile, text)
    const committed = readFileSync(snapshotFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
    const current = new Set(lines)
    const before = new Set(committed)
    // One line per change: `+` a name now exported, `-` a name no longer exported (a kind change is both).
    const changes = [
      ...committed.filter((line) => !current.has(line)).map((line) => `- ${line}`),
      ...lines.filter((line) => !before.has(line)).map((line) => `+ ${line}`),
    ]
    if (changes.length > 0) {
      throw new Error(
        [
          'The public surface differs from test/api-surface.snapshot.txt (- no longer exported, + newly exported):',
          ...changes,
          'If the change is deliberate: UPDATE_API_SURFACE=1 npx jest test/api-surface.test.ts, and list it in the CHANGELOG.',
        ].join('\n'),
      )
    }
  })

  it('reads every entry of the exports map, each with names of every kind it should have', () => {
    expect([...entries.keys()]).toEqual([
      'express-scim',
      'express-scim/filter',
      'express-scim/sql',
      'express-scim/patch',
      'express-scim/schema',
      'express-scim/saml',
      'express-scim/testing',
      'express-scim/check',
    ])
    for (const entry of entries.keys()) expect(surface.some((l) => l.entry === entry)).toBe(true)
    expect(find('express-scim', 'createScimRouter')?.kind).toBe('function')
    expect(find('express-scim', 'MemoryUserStore')?.kind).toBe('class')
    expect(find('express-scim', 'ERROR_SCHEMA_URN')?.kind).toBe('const')
    expect(find('express-scim', 'ScimRouter')?.kind).toBe('interface')
    expect(find('express-scim', 'ScimEvent')?.kind).toBe('type')
    expect(find('express-scim/filter', 'parseFilter')?.kind).toBe('function')
    expect(find('express-scim/sql', 'filterToSql')?.kind).toBe('function')
    expect(find('express-scim/patch', 'DEFAULT_MAX_OPERATIONS')?.kind).toBe('const')
    expect(find('express-scim/schema', 'SchemaRegistry')?.kind).toBe('class')
    expect(find('express-scim/saml', 'SamlLinkError')?.kind).toBe('class')
    expect(find('express-scim/check', 'runCheck')?.kind).toBe('function')
  })

  it('exports no internals', () => {
    const names = new Set(surface.map((l) => l.name))
    // Router internals and the router's own error rendering: hosts never need them.
    for (const internal of ['requiresMemberList', 'scimErrorBody', 'compileValueFilter', 'settingsFrom']) {
      expect(names.has(internal)).toBe(false)
    }
  })

  it('exports each value (function, class, constant) from one entry only; only types are shared', () => {
    const entriesByValue = new Map<string, string[]>()
    for (const line of surface) {
      if (line.kind === 'type' || line.kind === 'interface') continue
      entriesByValue.set(line.name, [...(entriesByValue.get(line.name) ?? []), line.entry])
    }
    const twice = [...entriesByValue].filter(([, where]) => where.length > 1)
    expect(twice).toEqual([])
  })
})
