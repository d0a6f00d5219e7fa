// The README's and guides' links work where npm users read them: relative links only to files that ship, and every anchor exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, resolve } from 'node:path'

const root = resolve(__dirname, '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }
const documents = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)].filter(
  (file) => file.endsWith('.md'),
)

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-')
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(join(root, file), 'utf8')
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchorOf(match[1]!)))
}

/** True when the packed package holds `file` (the `files` field, plus what npm always ships). */
function ships(file: string): boolean {
  if (['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(file)) return true
  return manifest.files.some((entry) => file === entry || file.startsWith(`${entry}/`))
}

describe('documentation links', () => {
  it.each(documents)('%s links only to shipped files and existing anchors', (file) => {
    const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '')
    const problems: string[] = []
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target!)) continue
      const [path, anchor] = target!.split('#') as [string, string | undefined]
      const linked = path === '' ? file : relative(root, normalize(join(root, dirname(file), path)))
      if (!existsSync(join(root, linked))) problems.push(`${target}: no such file`)
      else if (!ships(linked)) problems.push(`${target}: not in the package, dead on npm`)
      else if (anchor && linked.endsWith('.md') && !anchorsOf(linked).has(anchor))
        problems.push(`${target}: no such heading`)
    }
    expect(problems).toEqual([])
  })
})
