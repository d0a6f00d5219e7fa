// The shape of lib/ as rules a reviewer would otherwise check by hand: no import cycles, layers that only import downwards, a purpose line atop every file, and small files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'

const ROOT = join(__dirname, '..')
const LIB = join(ROOT, 'lib')

/** Most lines a file in lib/ may have (the style guide says about 400). */
const MAX_LINES = 420

/**
 * Files over MAX_LINES today, with their line count when this list was written. Each entry may not
 * grow; an entry whose file is back under the limit fails the test until it is removed, so the list
 * only shrinks. Issue 11 empties it.
 */
const OVERSIZED_ALLOWED: Readonly<Record<string, number>> = {}

/**
 * Known import cycles, each as the sorted list of its files. Empty: a cycle found is a failure to fix,
 * not to list here.
 */
const CYCLES_ALLOWED: readonly (readonly string[])[] = []

/**
 * Known layering violations as `importer -> imported`. Empty: every rule holds today.
 */
const LAYERING_ALLOWED: readonly string[] = []

/** Every .ts file under `dir`, as a path relative to the repository root with `/` separators. */
function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (name.endsWith('.ts')) files.push(toPosix(relative(ROOT, path)))
  }
  return files.sort()
}

function toPosix(path: string): string {
  return path.split(sep).join('/')
}

// `import ... from '...'`, `export ... from '...'` (type-only included, across lines), side-effect
// `import '...'`, and literal `require('...')` / `import('...')`.
const IMPORT = /^\s*(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm
const DYNAMIC = /\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g

/** The specifiers a file imports. */
function specifiers(text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(IMPORT)) found.push((match[1] ?? match[2])!)
  for (const match of text.matchAll(DYNAMIC)) found.push(match[1]!)
  return found
}

/** The repository file a relative specifier names (`x.ts` or `x/index.ts`); undefined for packages. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  const base = posix.normalize(posix.join(posix.dirname(from), specifier))
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    if (candidate.endsWith('.ts') && existsSync(join(ROOT, candidate))) return candidate
  }
  throw new Error(`${from}: cannot resolve '${specifier}'`)
}

const FILES = sourceFiles(LIB)
const TEXT = new Map(FILES.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]))

/** lib file -> the files it imports (lib/ and types/), each once. */
const GRAPH = new Map(
  FILES.map((file) => {
    const targets = specifiers(TEXT.get(file)!)
      .map((specifier) => resolve(file, specifier))
      .filter((target): target is string => target !== undefined)
    return [file, [...new Set(targets)]]
  }),
)

/** Every elementary cycle's path, found by depth-first search (each cycle reported once). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = []
  const seen = new Set<string>()
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(next)), next]
        const key = [...new Set(cycle)].sort().join(' ')
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push(cycle)
        }
      } else if (!state.has(next)) {
        visit(next)
      }
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return cycles
}

/** True when `file` is `area` itself (a file) or lies below it (a folder). */
function within(file: string, area: string): boolean {
  return area.endsWith('.ts') ? file === area : file.startsWith(`${area}/`)
}

/** One layering rule: files in `from` never import files in `forbidden`. */
interface Rule {
  readonly from: readonly string[]
  readonly forbidden: readonly string[]
  readonly why: string
}

const LOWER_LAYERS = [
  'lib/representation',
  'lib/schema',
  'lib/filter',
  'lib/patch',
  'lib/dialect.ts',
  'lib/stores',
  'lib/gateway',
  'lib/telemetry',
]

const RULES: readonly Rule[] = [
  {
    from: LOWER_LAYERS,
    forbidden: ['lib/resources', 'lib/http', 'lib/router.ts'],
    why: 'the layers below the operations never reach up to them, the HTTP adapter or the wiring',
  },
  {
    from: ['lib/resources'],
    forbidden: ['lib/http', 'lib/router.ts'],
    why: 'operations are transport-free: /Bulk and tests call them without HTTP',
  },
  {
    from: ['lib/stores'],
    forbidden: ['lib/gateway'],
    why: 'the stores are what the gateway wraps, not its users',
  },
  {
    from: ['lib/check', 'lib/load'],
    forbidden: [
      ...LOWER_LAYERS,
      'lib/resources',
      'lib/http',
      'lib/router.ts',
      'lib/auth',
      'lib/saml',
      'lib/sql',
    ],
    why: 'check and load test any SCIM server over HTTP: they share no code with the router they may be testing',
  },
  {
    from: ['lib/check'],
    forbidden: ['lib/load'],
    why: 'load reuses the check transport, not the other way round',
  },
  {
    from: [
      ...LOWER_LAYERS,
      'lib/resources',
      'lib/http',
      'lib/router.ts',
      'lib/check',
      'lib/load',
      'lib/index.ts',
    ],
    forbidden: ['lib/cli'],
    why: 'the command line sits on top: nothing in the library depends on it',
  },
]

/** Every import that breaks a rule, as `importer -> imported (why)`. */
function layeringViolations(): string[] {
  const found: string[] = []
  for (const [file, targets] of GRAPH) {
    for (const rule of RULES) {
      if (!rule.from.some((area) => within(file, area))) continue
      for (const target of targets) {
        if (rule.forbidden.some((area) => within(target, area)))
          found.push(`${file} -> ${target} (${rule.why})`)
      }
    }
    // The contract suite is a subpath of its own: nothing in the library depends on it.
    if (!within(file, 'lib/testing')) {
      for (const target of targets) {
        if (within(target, 'lib/testing'))
          found.push(`${file} -> ${target} (only lib/testing imports lib/testing)`)
      }
    }
  }
  return found
}

function lineCount(text: string): number {
  const lines = text.split('\n')
  return lines[lines.length - 1] === '' ? lines.length - 1 : lines.length
}

describe('the import reader this test relies on', () => {
  it('reads every form of import, and resolves files and folders', () => {
    const text = [
      "import { a } from './a'",
      "import type { B } from '../b'",
      'import {',
      '  c,',
      '  d,',
      "} from './c'",
      "export * from './e'",
      "export type { F } from './f'",
      "import './side-effect'",
      "const g = require('./g')",
      "// import { h } from './comment' is not an import",
      "import debug from 'debug'",
    ].join('\n')
    expect(specifiers(text)).toEqual(['./a', '../b', './c', './e', './f', './side-effect', 'debug', './g'])
    expect(resolve('lib/resources/users.ts', './request')).toBe('lib/resources/request.ts')
    expect(resolve('lib/router.ts', './gateway')).toBe('lib/gateway/index.ts')
    expect(resolve('lib/router.ts', '../types/router')).toBe('types/router.ts')
    expect(resolve('lib/router.ts', 'express')).toBeUndefined()
  })

  it('sees the imports of a known file', () => {
    expect(GRAPH.get('lib/router.ts')).toEqual(
      expect.arrayContaining(['lib/gateway/index.ts', 'lib/http/adapter.ts', 'lib/resources/routes.ts']),
    )
  })

  it('finds a cycle and reports its path', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ])
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']])
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([])
  })

  it('tells a file from a folder in a rule', () => {
    expect(within('lib/dialect.ts', 'lib/dialect.ts')).toBe(true)
    expect(within('lib/resources/users.ts', 'lib/resources')).toBe(true)
    expect(within('lib/resources-extra/x.ts', 'lib/resources')).toBe(false)
    expect(within('lib/router.ts', 'lib/resources')).toBe(false)
  })
})

describe('lib/', () => {
  it('has files to check', () => {
    expect(FILES.length).toBeGreaterThan(50)
    expect(FILES).toContain('lib/router.ts')
  })

  it('has no import cycles (type-only imports included)', () => {
    const allowed = new Set(CYCLES_ALLOWED.map((cycle) => [...cycle].sort().join(' ')))
    const cycles = findCycles(GRAPH)
      .filter((cycle) => !allowed.has([...new Set(cycle)].sort().join(' ')))
      .map((cycle) => cycle.join(' -> '))
    expect(cycles).toEqual([])
  })

  it('imports only downwards between layers', () => {
    const violations = layeringViolations().filter(
      (violation) => !LAYERING_ALLOWED.some((allowed) => violation.startsWith(`${allowed} (`)),
    )
    expect(violations).toEqual([])
  })

  it('starts every file with a `//` purpose line (after the shebang of an executable)', () => {
    const missing = FILES.filter((file) => !/^(#!.*\n)?\/\/ \S/.test(TEXT.get(file)!))
    expect(missing).toEqual([])
  })

  it(`has no file over ${MAX_LINES} lines but the allowed ones, which may not grow`, () => {
    const problems: string[] = []
    for (const file of FILES) {
      const lines = lineCount(TEXT.get(file)!)
      const allowed = OVERSIZED_ALLOWED[file]
      if (allowed === undefined) {
        if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (limit ${MAX_LINES})`)
      } else if (lines > allowed) {
        problems.push(`${file}: ${lines} lines, grown past its allowance of ${allowed}`)
      } else if (lines <= MAX_LINES) {
        problems.push(`${file}: ${lines} lines, within the limit now: remove it from OVERSIZED_ALLOWED`)
      }
    }
    for (const file of Object.keys(OVERSIZED_ALLOWED)) {
      if (!TEXT.has(file)) problems.push(`${file}: gone, remove it from OVERSIZED_ALLOWED`)
    }
    expect(problems).toEqual([])
  })

  it('lists only existing files and directories in its rules', () => {
    const areas = [...new Set(RULES.flatMap((rule) => [...rule.from, ...rule.forbidden]))]
    expect(areas.filter((area) => !existsSync(join(ROOT, area)))).toEqual([])
    expect(existsSync(join(ROOT, 'lib/testing'))).toBe(true)
  })
})
