// Sequence files: malformed ones are refused naming the file and the step; --only/--skip choose suites by name or tag.
import { builtInSuites, parseSequence, selectSuites } from '../../lib/check'
import type { CheckSuite } from '../../types/check'

const ORIGIN = 'acme/users.json'

/** A valid sequence with one step, which each test breaks in one way. */
function sequence(step: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    name: 'A flow',
    source: 'https://example.com/doc',
    steps: [
      { name: 'First', request: { method: 'GET', path: '/Users' }, response: { status: 200 } },
      { name: 'Second', request: { method: 'GET', path: '/Users' }, response: { status: 200 }, ...step },
    ],
    ...top,
  }
}

describe('parseSequence', () => {
  it('accepts a valid sequence and returns it', () => {
    const data = sequence({ capture: { userId: 'Resources.0.id' }, response: { status: [200, 204] } })
    expect(parseSequence(data, ORIGIN)).toBe(data)
  })

  it.each<[string, unknown, string]>([
    ['not an object', [], `${ORIGIN}: not a JSON object`],
    ['null', null, `${ORIGIN}: not a JSON object`],
    ['no name', sequence({}, { name: 1 }), `${ORIGIN}: "name" must be a string`],
    ['no source', sequence({}, { source: undefined }), `${ORIGIN}: "source" must be a URL`],
    ['an http source', sequence({}, { source: 'http://example.com' }), `${ORIGIN}: "source" must be a URL`],
    ['no steps', sequence({}, { steps: [] }), `${ORIGIN}: "steps" must be a non-empty array`],
    ['steps not a list', sequence({}, { steps: {} }), `${ORIGIN}: "steps" must be a non-empty array`],
  ])('refuses a file with %s, naming the file', (_label, data, message) => {
    expect(() => parseSequence(data, ORIGIN)).toThrow(message)
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['no name', { name: undefined }, 'step 2: needs a "name"'],
    ['a name used twice', { name: 'First' }, 'step 2: the name "First" is used twice'],
    [
      'an unknown method',
      { request: { method: 'HEAD', path: '/Users' } },
      'step 2 "Second": request.method must be one of GET, POST, PUT, PATCH, DELETE',
    ],
    [
      'a lower-case method',
      { request: { method: 'get', path: '/Users' } },
      'step 2 "Second": request.method must be one of',
    ],
    ['no request', { request: undefined }, 'step 2 "Second": request.method must be one of'],
    [
      'a relative path',
      { request: { method: 'GET', path: 'Users' } },
      'step 2 "Second": request.path must start with "/"',
    ],
    [
      'an absolute URL as path',
      { request: { method: 'GET', path: 'https://elsewhere.example/Users' } },
      'step 2 "Second": request.path must start with "/"',
    ],
    [
      'no status',
      { response: {} },
      'step 2 "Second": response.status must be a status or a list of statuses',
    ],
    ['a status out of range', { response: { status: 600 } }, 'response.status must be a status'],
    ['a status as text', { response: { status: '200' } }, 'response.status must be a status'],
    ['an empty status list', { response: { status: [] } }, 'response.status must be a status'],
    ['a bad status in a list', { response: { status: [200, 99] } }, 'response.status must be a status'],
    ['a capture list', { capture: ['id'] }, 'step 2 "Second": capture must be an object'],
    ['a capture named run', { capture: { run: 'id' } }, 'step 2 "Second": bad capture "run"'],
    ['a capture named any', { capture: { any: 'id' } }, 'step 2 "Second": bad capture "any"'],
    ['a capture named absent', { capture: { absent: 'id' } }, 'step 2 "Second": bad capture "absent"'],
    ['a capture name with a dash', { capture: { 'user-id': 'id' } }, 'bad capture "user-id"'],
    ['a capture path that is not text', { capture: { userId: 1 } }, 'bad capture "userId"'],
  ])('refuses a step with %s, naming the file and the step', (_label, step, message) => {
    let error: unknown
    try {
      parseSequence(sequence(step), ORIGIN)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message.startsWith(`${ORIGIN}: step 2`)).toBe(true)
    expect((error as Error).message).toContain(message)
  })
})

describe('builtInSuites', () => {
  const suites = builtInSuites()

  it('names each suite <group>-<area> and tags it with both, Entra first, then Okta, then RFC', () => {
    for (const suite of suites) expect(suite.name).toBe(suite.tags.join('-'))
    const groups = suites.map((suite) => suite.tags[0])
    const order = ['entra', 'okta', 'rfc']
    expect([...groups].sort((a, b) => order.indexOf(a!) - order.indexOf(b!))).toEqual(groups)
    expect(suites.map((s) => s.name)).toEqual(expect.arrayContaining(['entra-users', 'okta-groups']))
  })

  it('reads fresh copies on each call, so a caller cannot change another caller’s suites', () => {
    expect(builtInSuites()).not.toBe(suites)
    expect(builtInSuites()[0]).not.toBe(suites[0])
    expect(builtInSuites()).toEqual(suites)
  })
})

describe('selectSuites', () => {
  const suite = (group: string, area: string): CheckSuite => ({
    name: `${group}-${area}`,
    tags: [group, area],
    sequence: { name: `${group} ${area}`, source: 'https://example.com', steps: [] },
  })
  const all = [
    suite('entra', 'users'),
    suite('entra', 'groups'),
    suite('okta', 'users'),
    suite('okta', 'groups'),
    suite('rfc', 'filters'),
  ]
  const names = (only?: string[], skip?: string[]) => selectSuites(all, only, skip).map((s) => s.name)

  it('chooses everything when neither list is given (or only is empty)', () => {
    expect(names()).toEqual(all.map((s) => s.name))
    expect(names([])).toEqual(all.map((s) => s.name))
  })

  it('keeps only suites named, or tagged, in `only`, in their given order', () => {
    expect(names(['okta-users'])).toEqual(['okta-users'])
    expect(names(['okta'])).toEqual(['okta-users', 'okta-groups'])
    expect(names(['groups'])).toEqual(['entra-groups', 'okta-groups'])
    expect(names(['rfc', 'entra-users'])).toEqual(['entra-users', 'rfc-filters'])
  })

  it('drops suites named, or tagged, in `skip`, also from what `only` chose', () => {
    expect(names(undefined, ['entra'])).toEqual(['okta-users', 'okta-groups', 'rfc-filters'])
    expect(names(undefined, ['users'])).toEqual(['entra-groups', 'okta-groups', 'rfc-filters'])
    expect(names(['okta'], ['okta-groups'])).toEqual(['okta-users'])
    expect(names(['users'], ['users'])).toEqual([])
  })

  it('is a TypeError for a selector that names nothing, listing the known names', () => {
    for (const [only, skip] of [
      [['entra-user'], undefined],
      [undefined, ['Okta']],
      [['okta'], ['nope']],
    ] as const) {
      let error: unknown
      try {
        selectSuites(all, only, skip)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/^No suite or tag is named "(entra-user|Okta|nope)"; known: /)
      expect((error as Error).message).toContain(
        'known: entra, entra-groups, entra-users, filters, groups, okta, okta-groups, okta-users, rfc, rfc-filters, users',
      )
    }
  })
})
