// Hostile input catalogue: prototype pollution, filter bombs, injection strings, pagination abuse, bad bodies, auth variants and hostile strings each get a SCIM 4xx (or are stored verbatim), change nothing and leave the process healthy.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import type { MemoryUserStore, TeamStore, UserStore } from '../../lib'
import { MAX_ID_LENGTH } from '../../lib/ids'
import { identifierProblem } from '../../lib/schema/identifiers'
import { captureDebugOutput } from '../helpers/debug-capture'
import {
  buildScimApp,
  client,
  contextFor,
  createGroup,
  createUser,
  ENTERPRISE_SCHEMA,
  EXPRESS_VERSIONS,
  type ExpressFactory,
  expectScimErrorResponse,
  GROUP_SCHEMA,
  LIST_SCHEMA,
  PATCH_SCHEMA,
  patchBody,
  type ScimApp,
  type ScimClient,
  SEARCH_SCHEMA,
  TENANT,
  TOKEN,
  USER_SCHEMA,
  userBody,
} from '../helpers/scim-app'

// ---- helpers ----------------------------------------------------------------------------------------

/** Object.prototype as it was before any hostile request. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort()

/** Nothing reached a prototype: no `polluted` anywhere, no new keys on Object.prototype. */
function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect((Object.create(null) as Record<string, unknown>).polluted).toBeUndefined()
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS)
}

/** Keys that must never appear in a stored or returned document. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'polluted']

/** Every own key of a JSON value, at any depth. */
function ownKeysDeep(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const element of value) ownKeysDeep(element, into)
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      into.push(key)
      ownKeysDeep((value as Record<string, unknown>)[key], into)
    }
  }
  return into
}

function expectNoPrototypeKeys(value: unknown): void {
  expect(ownKeysDeep(value).filter((key) => PROTOTYPE_NAMES.includes(key))).toEqual([])
}

/** A stack frame or a source path, as a leaked stack trace would show (raw or JSON-escaped newlines). */
const STACK_TRACE = /(\n|\\n)\s*at\s|\bat\s+\S+\s+\(|\.[cm]?[jt]s:\d+|node_modules|[/\\]lib[/\\]/

/** A SCIM error response that leaks nothing: no stack, no source path, no token. */
function expectRefused(res: request.Response, status: number, scimType?: string): void {
  expectScimErrorResponse(res, status, scimType)
  expect(res.text).not.toMatch(STACK_TRACE)
  expect(res.text).not.toContain(TOKEN)
}

/** The process still serves an ordinary request. */
async function expectHealthy(api: ScimClient): Promise<void> {
  const res = await api.get('/Users?count=1')
  expect(res.status).toBe(200)
  expect(res.body.schemas).toEqual([LIST_SCHEMA])
}

/** A user as GET returns it, without the location (its port is supertest's, different every time). */
async function readUser(api: ScimClient, id: string): Promise<Record<string, unknown>> {
  // The user's own attributes: its `groups` follow the groups the tests create around it.
  const res = await api.get(`/Users/${id}?excludedAttributes=groups`)
  expect(res.status).toBe(200)
  const body = res.body as { meta: Record<string, unknown> } & Record<string, unknown>
  return { ...body, meta: { ...body.meta, location: undefined } }
}

/** A request with a raw JSON text body, so that `__proto__` arrives as an own key. */
function rawJson(scim: ScimApp, method: 'post' | 'put' | 'patch', path: string, text: string): request.Test {
  return request(scim.app)
    [method](scim.base + path)
    .set('Authorization', `Bearer ${TOKEN}`)
    .set('Content-Type', 'application/scim+json')
    .send(text)
}

/** A PatchOp message as JSON text, with the operations given as JSON text. */
function rawPatch(...operations: string[]): string {
  return `{"schemas":["${PATCH_SCHEMA}"],"Operations":[${operations.join(',')}]}`
}

/** userNames of a list response, sorted. */
function userNamesOf(res: request.Response): string[] {
  expect(res.status).toBe(200)
  return (res.body.Resources as { userName: string }[]).map((user) => user.userName).sort()
}

/** Wraps a store so that every method call is recorded. */
function countingStore(store: MemoryUserStore, calls: string[]): UserStore {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.push(String(key))
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  }) as unknown as UserStore
}

const userCount = (scim: ScimApp) => scim.userStore.size(TENANT)

// ---- the catalogue, on both Express majors ----------------------------------------------------------

describe.each(EXPRESS_VERSIONS)('hostile input on %s', (_label, makeExpress: ExpressFactory) => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(() => {
    scim = buildScimApp({ express: makeExpress })
    api = client(scim)
  })

  describe('prototype pollution', () => {
    let id: string
    let before: Record<string, unknown>

    beforeEach(async () => {
      id = await createUser(api, 'victim', {
        displayName: 'Victim',
        name: { givenName: 'Vic' },
        emails: [{ value: 'victim@example.com', type: 'work' }],
        [ENTERPRISE_SCHEMA]: { manager: { value: 'boss' } },
      })
      before = await readUser(api, id)
    })

    /** The user is exactly as it was, no prototype changed, and the process answers. */
    async function expectUntouched(): Promise<void> {
      expect(await readUser(api, id)).toEqual(before)
      expect(userCount(scim)).toBe(1)
      expectNoPollution()
      await expectHealthy(api)
    }

    it.each([
      '__proto__',
      '__proto__.x',
      '__PROTO__',
      'constructor',
      'constructor.prototype.x',
      'prototype',
      'toString.x',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
      'name.__proto__',
      'name.constructor',
      'name.toString',
      'emails.__proto__',
      'emails[value eq "victim@example.com"].__proto__',
      'emails[type eq "work"].constructor',
      'emails[__proto__ eq "a"].value',
      `${USER_SCHEMA}:__proto__.polluted`,
      `${USER_SCHEMA}:constructor.prototype`,
      `${ENTERPRISE_SCHEMA}:__proto__`,
      `${ENTERPRISE_SCHEMA}:manager.__proto__`,
    ])(
      'PATCH path %s: 400 invalidPath for add, replace and remove, after a valid operation that is not applied',
      async (path) => {
        for (const op of ['add', 'replace', 'remove']) {
          const operation = op === 'remove' ? { op, path } : { op, path, value: { polluted: true } }
          const res = await api.patch(
            `/Users/${id}`,
            patchBody({ op: 'replace', path: 'displayName', value: 'changed' }, operation),
          )
          expectRefused(res, 400, 'invalidPath')
        }
        await expectUntouched()
      },
    )

    it.each([
      ['__proto__', '{"__proto__":{"polluted":true}}'],
      ['__proto__: null', '{"__proto__":null}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
      ['prototype', '{"prototype":{"polluted":true}}'],
      ['toString', '{"toString":"polluted"}'],
      ['__proto__ next to a valid key', '{"nickName":"ok","__proto__":{"polluted":true}}'],
      ['__proto__ inside name', '{"name":{"__proto__":{"polluted":true}}}'],
      ['constructor inside name', '{"name":{"givenName":"x","constructor":{"prototype":{"polluted":true}}}}'],
      ['__proto__ inside emails[0]', '{"emails":[{"value":"a@example.com","__proto__":{"polluted":true}}]}'],
      [
        '__proto__ inside the enterprise extension',
        `{"${ENTERPRISE_SCHEMA}":{"__proto__":{"polluted":true}}}`,
      ],
      [
        'constructor inside the enterprise extension',
        `{"${ENTERPRISE_SCHEMA}":{"constructor":{"polluted":true}}}`,
      ],
      ['__proto__ inside manager', `{"${ENTERPRISE_SCHEMA}":{"manager":{"__proto__":{"polluted":true}}}}`],
    ])('path-less PATCH value with %s: 400 invalidValue, nothing applied', async (_name, value) => {
      for (const op of ['add', 'replace']) {
        const res = await rawJson(
          scim,
          'patch',
          `/Users/${id}`,
          rawPatch(
            '{"op":"replace","path":"displayName","value":"changed"}',
            `{"op":"${op}","value":${value}}`,
          ),
        )
        expectRefused(res, 400, 'invalidValue')
        expect(res.body.detail).toMatch(/forbidden key '(__proto__|constructor|prototype|toString)'/)
      }
      await expectUntouched()
    })

    it.each([
      ['a URN-qualified __proto__', `{"${USER_SCHEMA}:__proto__":{"polluted":true}}`],
      ['a dotted name.__proto__', '{"name.__proto__":{"polluted":true}}'],
    ])('path-less PATCH value keyed by %s: 400 invalidPath, nothing applied', async (_name, value) => {
      const res = await rawJson(scim, 'patch', `/Users/${id}`, rawPatch(`{"op":"add","value":${value}}`))
      expectRefused(res, 400, 'invalidPath')
      await expectUntouched()
    })

    it.each([
      ['name', '{"op":"add","path":"name","value":{"__proto__":{"polluted":true}}}'],
      [
        'emails',
        '{"op":"add","path":"emails","value":[{"value":"x@example.com","constructor":{"prototype":{"polluted":true}}}]}',
      ],
      [
        'manager',
        `{"op":"replace","path":"${ENTERPRISE_SCHEMA}:manager","value":{"value":"m","__proto__":{"polluted":true}}}`,
      ],
    ])(
      'PATCH with path %s and a hostile key in its complex value: 400 invalidValue',
      async (_name, operation) => {
        const res = await rawJson(scim, 'patch', `/Users/${id}`, rawPatch(operation))
        expectRefused(res, 400, 'invalidValue')
        await expectUntouched()
      },
    )

    it.each([
      [
        'the message',
        `{"schemas":["${PATCH_SCHEMA}"],"__proto__":{"polluted":true},"Operations":[{"op":"add","path":"nickName","value":"n"}]}`,
        'invalidValue',
      ],
      [
        'an operation',
        rawPatch('{"op":"add","path":"nickName","value":"n","__proto__":{"polluted":true}}'),
        'invalidValue',
      ],
      [
        'an operation (constructor)',
        rawPatch('{"op":"add","path":"nickName","value":"n","constructor":{"prototype":{"polluted":true}}}'),
        'invalidValue',
      ],
      ['the op name', rawPatch('{"op":"__proto__","path":"nickName","value":"n"}'), 'invalidSyntax'],
      [
        'the op name (constructor)',
        rawPatch('{"op":"constructor","path":"nickName","value":"n"}'),
        'invalidSyntax',
      ],
    ])('a hostile key in %s of the PatchOp: 400 %s', async (_name, text, scimType) => {
      const res = await rawJson(scim, 'patch', `/Users/${id}`, text)
      expectRefused(res, 400, scimType)
      await expectUntouched()
    })

    const hostileUserBodies: [string, string][] = [
      ['top-level __proto__', '"__proto__":{"polluted":true}'],
      ['top-level constructor.prototype', '"constructor":{"prototype":{"polluted":true}}'],
      ['top-level prototype', '"prototype":{"polluted":true}'],
      ['__proto__ inside name', '"name":{"givenName":"G","__proto__":{"polluted":true}}'],
      ['constructor inside name', '"name":{"givenName":"G","constructor":{"prototype":{"polluted":true}}}'],
      ['__proto__ inside emails[0]', '"emails":[{"value":"p@example.com","__proto__":{"polluted":true}}]'],
      [
        '__proto__ inside the enterprise extension and manager',
        `"${ENTERPRISE_SCHEMA}":{"__proto__":{"polluted":true},"manager":{"value":"m","__proto__":{"polluted":true}}}`,
      ],
    ]

    // Unknown attributes in POST and PUT are ignored (RFC 7644 §3.3), so these keys are dropped, not refused.
    it.each(hostileUserBodies)(
      'POST /Users with %s: 201, the key dropped, no prototype touched',
      async (_name, members) => {
        const res = await rawJson(
          scim,
          'post',
          '/Users',
          `{"schemas":["${USER_SCHEMA}"],"userName":"p1",${members}}`,
        )
        expect(res.status).toBe(201)
        expectNoPrototypeKeys(res.body)
        const created = res.body.id as string
        expectNoPrototypeKeys(await readUser(api, created))
        expectNoPrototypeKeys(scim.userStore.get(created, contextFor())?.document)
        expect(userCount(scim)).toBe(2)
        expect(await readUser(api, id)).toEqual(before)
        expectNoPollution()
        await expectHealthy(api)
      },
    )

    it.each(hostileUserBodies)(
      'PUT /Users/:id with %s: 200, the key dropped, no prototype touched',
      async (_name, members) => {
        const res = await rawJson(
          scim,
          'put',
          `/Users/${id}`,
          `{"schemas":["${USER_SCHEMA}"],"userName":"victim","displayName":"Replaced",${members}}`,
        )
        expect(res.status).toBe(200)
        expect(res.body.displayName).toBe('Replaced')
        expectNoPrototypeKeys(res.body)
        expectNoPrototypeKeys(await readUser(api, id))
        expectNoPrototypeKeys(scim.userStore.get(id, contextFor())?.document)
        expect(userCount(scim)).toBe(1)
        expectNoPollution()
        await expectHealthy(api)
      },
    )

    it.each([
      ['filter=__proto__ eq "x"', `filter=${encodeURIComponent('__proto__ eq "x"')}`, 'invalidFilter'],
      ['filter=constructor pr', `filter=${encodeURIComponent('constructor pr')}`, 'invalidFilter'],
      ['filter=toString pr', `filter=${encodeURIComponent('toString pr')}`, 'invalidFilter'],
      ['filter=name.__proto__ pr', `filter=${encodeURIComponent('name.__proto__ pr')}`, 'invalidFilter'],
      [
        'filter=emails[__proto__ eq "a"]',
        `filter=${encodeURIComponent('emails[__proto__ eq "a"]')}`,
        'invalidFilter',
      ],
      ['sortBy=__proto__', 'sortBy=__proto__', 'invalidPath'],
      ['sortBy=constructor', 'sortBy=constructor', 'invalidValue'],
      ['attributes=__proto__', 'attributes=__proto__', 'invalidPath'],
      ['attributes=name.__proto__', 'attributes=name.__proto__', 'invalidPath'],
    ])('GET /Users?%s: 400 %s', async (_name, query, scimType) => {
      expectRefused(await api.get(`/Users?${query}`), 400, scimType)
      await expectUntouched()
    })

    it('list parameters under a __proto__ key of a /.search body are not read', async () => {
      const res = await rawJson(
        scim,
        'post',
        '/Users/.search',
        `{"schemas":["${SEARCH_SCHEMA}"],"__proto__":{"count":0,"startIndex":5,"filter":"nope eq 1"}}`,
      )
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 })
      await expectUntouched()
    })

    it('Groups: hostile keys in PATCH are 400, member ids such as __proto__ are not users, POST drops the keys', async () => {
      const groupId = await createGroup(api, 'team', [id])
      const group = async () => {
        const res = await api.get(`/Groups/${groupId}`)
        return { ...res.body, meta: { ...res.body.meta, location: undefined } }
      }
      const groupBefore = await group()
      for (const operation of [
        '{"op":"add","value":{"__proto__":{"polluted":true}}}',
        '{"op":"replace","value":{"displayName":"x","constructor":{"prototype":{"polluted":true}}}}',
        `{"op":"add","path":"members","value":[{"value":"${id}","__proto__":{"polluted":true}}]}`,
        '{"op":"add","path":"members","value":[{"value":"__proto__"}]}',
        '{"op":"replace","path":"members","value":[{"value":"constructor"}]}',
        '{"op":"add","path":"members","value":[{"value":"hasOwnProperty"}]}',
      ]) {
        const res = await rawJson(
          scim,
          'patch',
          `/Groups/${groupId}`,
          rawPatch('{"op":"replace","path":"displayName","value":"renamed"}', operation),
        )
        expectRefused(res, 400, 'invalidValue')
      }
      expect(await group()).toEqual(groupBefore)
      const posted = await rawJson(
        scim,
        'post',
        '/Groups',
        `{"schemas":["${GROUP_SCHEMA}"],"displayName":"g2","__proto__":{"polluted":true},"members":[{"value":"${id}","__proto__":{"polluted":true}}]}`,
      )
      expect(posted.status).toBe(201)
      expectNoPrototypeKeys(posted.body)
      expect(posted.body.members.map((m: { value: string }) => m.value)).toEqual([id])
      expectRefused(
        await rawJson(
          scim,
          'post',
          '/Groups',
          `{"schemas":["${GROUP_SCHEMA}"],"displayName":"g3","members":[{"value":"__proto__"}]}`,
        ),
        400,
        'invalidValue',
      )
      await expectUntouched()
    })
  })

  describe('hostile ids and deeply nested JSON', () => {
    let id: string
    let before: Record<string, unknown>

    beforeEach(async () => {
      id = await createUser(api, 'resident', { name: { givenName: 'R' } })
      before = await readUser(api, id)
    })

    it.each([
      '/Users/__proto__',
      '/Users/constructor',
      '/Users/toString',
      '/Users/%E0%A4%A',
      '/Users/%00',
      '/Users/..%2F..%2Fetc%2Fpasswd',
      `/Users/${'a'.repeat(10_000)}`,
      '/Groups/__proto__',
      '/__proto__',
      '/v2/Users/constructor',
    ])('%s: 404 for GET, PATCH and DELETE', async (path) => {
      expectRefused(await api.get(path), 404)
      expectRefused(await api.patch(path, patchBody({ op: 'replace', path: 'nickName', value: 'x' })), 404)
      expectRefused(await api.delete(path), 404)
      expect(await readUser(api, id)).toEqual(before)
      expectNoPollution()
      await expectHealthy(api)
    })

    const deepObject = (depth: number, key: string) => `${`{"${key}":`.repeat(depth)}"x"${'}'.repeat(depth)}`
    const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

    it.each([
      [
        'POST',
        'name nested 50,000 objects deep',
        `{"schemas":["${USER_SCHEMA}"],"userName":"deep","name":${deepObject(50_000, 'givenName')}}`,
      ],
      [
        'POST',
        'emails as 100,000 nested arrays',
        `{"schemas":["${USER_SCHEMA}"],"userName":"deep","emails":${deepArray(100_000)}}`,
      ],
      [
        'POST',
        'the manager nested 50,000 objects deep',
        `{"schemas":["${USER_SCHEMA}"],"userName":"deep","${ENTERPRISE_SCHEMA}":{"manager":${deepObject(50_000, 'value')}}}`,
      ],
      [
        'PATCH',
        'a name value nested 50,000 objects deep',
        rawPatch(`{"op":"add","path":"name","value":${deepObject(50_000, 'givenName')}}`),
      ],
      [
        'PATCH',
        'an emails value of 100,000 nested arrays',
        rawPatch(`{"op":"add","path":"emails","value":${deepArray(100_000)}}`),
      ],
    ])('%s with %s: 400 invalidValue, no stack overflow', async (method, _name, text) => {
      const res = await rawJson(
        scim,
        method === 'POST' ? 'post' : 'patch',
        method === 'POST' ? '/Users' : `/Users/${id}`,
        text,
      )
      expectRefused(res, 400, 'invalidValue')
      expect(userCount(scim)).toBe(1)
      expect(await readUser(api, id)).toEqual(before)
      await expectHealthy(api)
    })

    it('an unknown attribute nested 100,000 arrays deep is dropped (RFC 7644 §3.3): 201, not stored', async () => {
      const res = await rawJson(
        scim,
        'post',
        '/Users',
        `{"schemas":["${USER_SCHEMA}"],"userName":"deep","x":${deepArray(100_000)}}`,
      )
      expect(res.status).toBe(201)
      expect(res.body.x).toBeUndefined()
      expect(Object.keys(scim.userStore.get(res.body.id, contextFor())?.document ?? {})).not.toContain('x')
      await expectHealthy(api)
    })
  })

  describe('path ids no store can hold (U+0000, longer than MAX_ID_LENGTH)', () => {
    let calls: string[]
    let guarded: ScimApp
    let guardedApi: ScimClient

    /** Records every method called on a store. */
    function spy<T extends object>(store: T, name: string): T {
      return new Proxy(store, {
        get(target, key) {
          const value = Reflect.get(target, key, target)
          if (typeof value !== 'function') return value
          return (...args: unknown[]) => {
            calls.push(`${name}.${String(key)}`)
            return (value as (...a: unknown[]) => unknown).apply(target, args)
          }
        },
      })
    }

    beforeEach(() => {
      calls = []
      guarded = buildScimApp({
        express: makeExpress,
        wrapUserStore: (store) => spy(store, 'userStore') as unknown as UserStore,
        wrapTeamStore: (store) => spy(store, 'teamStore') as unknown as TeamStore,
      })
      guardedApi = client(guarded)
    })

    it.each([
      ['U+0000 alone', '%00'],
      ['U+0000 inside', 'a%00b'],
      ['U+0000 after a plausible id', '2f9c1e4a-0000-4000-8000-000000000000%00'],
      [`${MAX_ID_LENGTH + 1} characters`, 'a'.repeat(MAX_ID_LENGTH + 1)],
      [`${MAX_ID_LENGTH + 1} non-ASCII characters`, encodeURIComponent('€'.repeat(MAX_ID_LENGTH + 1))],
    ])('%s: 404 for GET, PUT, PATCH and DELETE on /Users and /Groups, no store called', async (_name, id) => {
      const patch = patchBody({ op: 'replace', path: 'displayName', value: 'x' })
      for (const [type, body] of [
        ['Users', userBody('someone')],
        ['Groups', { schemas: [GROUP_SCHEMA], displayName: 'team' }],
      ] as const) {
        const path = `/${type}/${id}`
        expectRefused(await guardedApi.get(path), 404)
        expectRefused(await guardedApi.put(path, body), 404)
        expectRefused(await guardedApi.patch(path, patch), 404)
        expectRefused(await guardedApi.delete(path), 404)
        expectRefused(await client(guarded, TOKEN, `${guarded.base}/v2`).get(path), 404)
      }
      expect(calls).toEqual([])
      expectNoPollution()
    })

    it(`an id of exactly ${MAX_ID_LENGTH} characters is asked of the store (404 when absent)`, async () => {
      expectRefused(await guardedApi.get(`/Users/${'a'.repeat(MAX_ID_LENGTH)}`), 404)
      expectRefused(await guardedApi.get(`/Groups/${'a'.repeat(MAX_ID_LENGTH)}`), 404)
      expect(calls).toEqual(['userStore.get', 'teamStore.get'])
    })
  })

  describe('filters', () => {
    beforeEach(async () => {
      await createUser(api, 'alice')
    })

    const search = (path: string, filter: unknown) => api.post(path, { schemas: [SEARCH_SCHEMA], filter })

    it.each([
      ['100,000 nested parentheses', `${'('.repeat(100_000)}userName eq "a"${')'.repeat(100_000)}`],
      ['100,000 nested not(', `${'not('.repeat(100_000)}userName eq "a"${')'.repeat(100_000)}`],
      ['100,000 opening parentheses only', '('.repeat(100_000)],
      ['10,000 or terms', Array.from({ length: 10_000 }, (_, i) => `userName eq "u${i}"`).join(' or ')],
      ['1 MB of text', `userName eq "${'a'.repeat(1_000_000)}"`],
    ])(
      '%s: 400 invalidFilter by length on both .search endpoints, 431 from Node on GET',
      async (_name, filter) => {
        for (const path of ['/Users/.search', '/.search']) {
          const res = await search(path, filter)
          expectRefused(res, 400, 'invalidFilter')
          expect(res.body.detail).toBe('The filter is longer than 10000 characters')
        }
        // Such a URL is longer than Node's header limit (16 KB): Node answers before the router runs.
        const viaGet = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
        expect(viaGet.status).toBe(431)
        expect(viaGet.text).toBe('')
        await expectHealthy(api)
      },
    )

    it.each([
      ['33 nested parentheses', `${'('.repeat(33)}userName eq "alice"${')'.repeat(33)}`],
      ['33 nested not(', `${'not('.repeat(33)}userName eq "alice"${')'.repeat(33)}`],
    ])('%s (over maxDepth 32): 400 invalidFilter on GET', async (_name, filter) => {
      const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
      expectRefused(res, 400, 'invalidFilter')
      expect(res.body.detail).toContain('deeper than 32 levels')
      await expectHealthy(api)
    })

    it('32 nested parentheses and not( are still accepted (the limit is exact)', async () => {
      for (const filter of [
        `${'('.repeat(32)}userName eq "alice"${')'.repeat(32)}`,
        `${'not('.repeat(32)}userName eq "alice"${')'.repeat(32)}`,
      ]) {
        const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
        expect(userNamesOf(res)).toEqual(['alice'])
      }
    })

    it.each([
      ['3,000 nested parentheses', `${'('.repeat(3000)}userName eq "a"${')'.repeat(3000)}`],
      ['1,900 nested not(', `${'not('.repeat(1900)}userName eq "a"${')'.repeat(1900)}`],
    ])(
      '%s, under the length limit: 400 invalidFilter by depth, on both .search endpoints',
      async (_name, filter) => {
        for (const path of ['/Users/.search', '/.search']) {
          const res = await search(path, filter)
          expectRefused(res, 400, 'invalidFilter')
          expect(res.body.detail).toContain('deeper than 32 levels')
          // The detail quotes an excerpt, never the whole filter.
          expect(res.body.detail.length).toBeLessThan(200)
        }
        await expectHealthy(api)
      },
    )

    it('201 or terms: 400 invalidFilter by term count; 200 terms are accepted', async () => {
      const terms = (n: number) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(' or ')
      for (const path of ['/Users/.search', '/.search']) {
        const res = await search(path, terms(201))
        expectRefused(res, 400, 'invalidFilter')
        expect(res.body.detail).toContain('more than 200 terms')
      }
      expectRefused(await api.get(`/Users?filter=${encodeURIComponent(terms(201))}`), 400, 'invalidFilter')
      expect(
        userNamesOf(
          await api.get(`/Users?filter=${encodeURIComponent(`${terms(199)} or userName eq "alice"`)}`),
        ),
      ).toEqual(['alice'])
      await expectHealthy(api)
    })

    it.each([
      ['an unterminated string', 'userName eq "abc'],
      ['an unterminated string ending in an escaped quote', 'userName eq "abc\\"'],
      ['an invalid escape', 'userName eq "\\x41"'],
      ['a raw control character in a string', 'userName eq "a\u0001b"'],
      ['an unterminated value path', 'emails[value eq "a"'],
      ['an unbalanced parenthesis', '(userName eq "a"'],
      ['a stray closing parenthesis', 'userName eq "a")'],
      ['an unknown operator', 'userName xx "a"'],
      ['a symbolic operator', 'userName == "a"'],
      ['a SQL operator', 'userName like "a%"'],
      ['a missing value', 'userName eq'],
      ['a dangling and', 'userName eq "a" and'],
      ['an unknown attribute', 'nope eq "a"'],
      ['the write-only password', 'password eq "x"'],
      ['a value of the wrong type', 'userName eq 5'],
      ['a string holding U+0000', 'userName eq "a\\u0000b"'],
      ['an empty filter', ''],
      ['a blank filter', '   '],
    ])('%s: 400 invalidFilter on GET and both .search endpoints', async (_name, filter) => {
      expectRefused(await api.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter')
      for (const path of ['/Users/.search', '/.search']) {
        expectRefused(await search(path, filter), 400, 'invalidFilter')
      }
      await expectHealthy(api)
    })

    it('operators and keywords in any case are not hostile: 200', async () => {
      const res = await api.get(
        `/Users?filter=${encodeURIComponent('USERNAME EQ "ALICE" OR NOT (userName PR)')}`,
      )
      expect(userNamesOf(res)).toEqual(['alice'])
    })

    it('a repeated filter parameter or a filter that is not a string: 400 invalidValue', async () => {
      expectRefused(await api.get('/Users?filter=userName%20pr&filter=userName%20pr'), 400, 'invalidValue')
      expectRefused(await search('/Users/.search', 42), 400, 'invalidValue')
      expectRefused(await search('/Users/.search', { userName: 'alice' }), 400, 'invalidValue')
      await expectHealthy(api)
    })
  })

  describe('injection strings match only themselves', () => {
    // No spaces: the identifier policy refuses them in userName; a SQL comment does the same job.
    const HOSTILE = ['x"/**/or/**/1=1--', '%', '_', '*)(uid=*', 'a%b', 'a_b']
    const DECOYS = ['abc', 'a1b', 'xyz']

    beforeEach(async () => {
      for (const name of [...HOSTILE, ...DECOYS]) await createUser(api, name, { displayName: name })
      expect(userCount(scim)).toBe(9)
    })

    it.each([...HOSTILE, ...DECOYS])(
      'userName eq and displayName eq %j find that user only',
      async (name) => {
        for (const attribute of ['userName', 'displayName']) {
          const filter = `${attribute} eq ${JSON.stringify(name)}`
          expect(userNamesOf(await api.get(`/Users?filter=${encodeURIComponent(filter)}`))).toEqual([name])
          expect(userNamesOf(await api.post('/Users/.search', { schemas: [SEARCH_SCHEMA], filter }))).toEqual(
            [name],
          )
        }
      },
    )

    it.each([
      ['displayName co "%"', ['%', 'a%b']],
      ['displayName co "_"', ['_', 'a_b']],
      ['displayName sw "*)("', ['*)(uid=*']],
      ['userName sw "%"', ['%']],
      ['userName sw "_"', ['_']],
      ['userName ew "%"', ['%']],
      ['userName co "*"', ['*)(uid=*', 'x"/**/or/**/1=1--']],
      ['userName eq "*"', []],
      ['userName eq "a_b" or userName eq "%"', ['%', 'a_b']],
      ['userName co "1=1"', ['x"/**/or/**/1=1--']],
      ['displayName co "\\""', ['x"/**/or/**/1=1--']],
      ['userName eq "X\\"/**/OR/**/1=1--"', ['x"/**/or/**/1=1--']],
      ['userName co "a.b"', []],
      ['userName co "\\\\"', []],
    ])('%s matches exactly %j', async (filter, expected) => {
      expect(userNamesOf(await api.get(`/Users?filter=${encodeURIComponent(filter)}`))).toEqual(
        [...expected].sort(),
      )
      expect(userNamesOf(await api.post('/Users/.search', { schemas: [SEARCH_SCHEMA], filter }))).toEqual(
        [...expected].sort(),
      )
    })
  })

  describe('pagination abuse on GET /Users', () => {
    beforeEach(async () => {
      for (const name of ['p1', 'p2', 'p3']) await createUser(api, name)
    })

    const MAX = Number.MAX_SAFE_INTEGER

    it.each([
      ['startIndex=-1', 1, 3],
      ['startIndex=0', 1, 3],
      ['startIndex=-9007199254740993', 1, 3],
      ['startIndex=2', 2, 2],
      ['startIndex=+2', 2, 2],
      ['startIndex=', 1, 3],
      [`startIndex=${'1'.padEnd(31, '0')}`, MAX, 0],
      ['startIndex=9007199254740993', MAX, 0],
      ['count=-1', 1, 0],
      ['count=0', 1, 0],
      ['count=-9007199254740993', 1, 0],
      ['count=', 1, 3],
      ['count=%201%20', 1, 1],
      [`count=${'1'.padEnd(31, '0')}`, 1, 3],
      ['count=9007199254740993', 1, 3],
      ['COUNT=1', 1, 1],
      ['startIndex=0&count=-5', 1, 0],
    ])(
      '%s: 200, startIndex %d, %d resources (clamped, RFC 7644 §3.4.2.4)',
      async (query, startIndex, items) => {
        const res = await api.get(`/Users?${query}`)
        expect(res.status).toBe(200)
        expect(res.body).toMatchObject({
          schemas: [LIST_SCHEMA],
          totalResults: 3,
          startIndex,
          itemsPerPage: items,
        })
        expect(res.body.Resources).toHaveLength(items)
      },
    )

    it.each([
      'startIndex=abc',
      'startIndex=1e30',
      'startIndex=1e3',
      'startIndex=0x10',
      'startIndex=1.5',
      'startIndex=Infinity',
      'startIndex=NaN',
      'count=abc',
      'count=1e3',
      'count=0x10',
      'count=1.5',
      'count=%D9%A1',
      `count=${'9'.repeat(401)}`,
      'count=1&count=2',
      'count=1&Count=1',
      'startIndex=1&startIndex=1',
      'sortOrder=sideways',
    ])('%s: 400 invalidValue', async (query) => {
      expectRefused(await api.get(`/Users?${query}`), 400, 'invalidValue')
      await expectHealthy(api)
    })

    it('the same values in a /.search body: clamped numbers, refused strings', async () => {
      const search = (body: Record<string, unknown>) =>
        api.post('/Users/.search', { schemas: [SEARCH_SCHEMA], ...body })
      const huge = await search({ startIndex: 1e30, count: -5 })
      expect(huge.status).toBe(200)
      expect(huge.body).toMatchObject({ startIndex: MAX, itemsPerPage: 0, totalResults: 3 })
      const low = await search({ startIndex: -7, count: 2 ** 53 + 2 })
      expect(low.body).toMatchObject({ startIndex: 1, itemsPerPage: 3, totalResults: 3 })
      for (const body of [
        { startIndex: '1e3' },
        { count: 1.5 },
        { count: 'abc' },
        { count: true },
        { startIndex: [1] },
      ]) {
        expectRefused(await search(body), 400, 'invalidValue')
      }
      await expectHealthy(api)
    })
  })

  describe('bodies', () => {
    let id: string
    let before: Record<string, unknown>

    beforeEach(async () => {
      id = await createUser(api, 'bodies', { displayName: 'Body' })
      before = await readUser(api, id)
    })

    const targets: ['post' | 'put' | 'patch', string][] = [
      ['post', '/Users'],
      ['put', '/Users/:id'],
      ['patch', '/Users/:id'],
      ['post', '/Users/.search'],
      ['post', '/.search'],
    ]

    async function send(
      method: 'post' | 'put' | 'patch',
      path: string,
      contentType: string | undefined,
      body: string,
    ) {
      const test = request(scim.app)
        [method](scim.base + path.replace(':id', id))
        .set('Authorization', `Bearer ${TOKEN}`)
      // superagent JSON-encodes a Buffer under a JSON media type and labels a bare string as a form, so:
      // text under a given media type, a Buffer (sent as is, with no Content-Type) otherwise.
      if (contentType === undefined) return test.send(Buffer.from(body, 'utf8'))
      return test.set('Content-Type', contentType).send(body)
    }

    async function expectNothingChanged(): Promise<void> {
      expect(userCount(scim)).toBe(1)
      expect(await readUser(api, id)).toEqual(before)
      await expectHealthy(api)
    }

    it.each([
      ['text/plain', JSON.stringify(userBody('typed'))],
      ['application/xml', '<User><userName>typed</userName></User>'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="userName"\r\n\r\ntyped\r\n--x--',
      ],
      ['application/x-www-form-urlencoded', 'userName=typed'],
      ['application/scim+json; charset=iso-8859-1', JSON.stringify(userBody('typed'))],
      ['application/scim+json; charset=utf-16', JSON.stringify(userBody('typed'))],
      ['application/json-patch+json', '[]'],
      [undefined, JSON.stringify(userBody('typed'))],
    ])('Content-Type %s: 415 on every endpoint with a body', async (contentType, body) => {
      for (const [method, path] of targets) {
        const res = await send(method, path, contentType, body)
        expectRefused(res, 415)
        expect(res.body.detail).not.toContain('typed')
      }
      await expectNothingChanged()
    })

    it.each([
      ['invalid JSON', '{"userName": "broken"', 'The request body is not valid JSON'],
      ['JSON with trailing text', '{"userName":"x"} trailing', 'The request body is not valid JSON'],
      ['a byte-order mark', '\ufeff{}', 'The request body is not valid JSON'],
      ['an empty body', '', 'The request body is empty'],
      ['a blank body', '  \n ', 'The request body is empty'],
      ['[]', '[]', 'The request body must be a JSON object'],
      ['"string"', '"string"', 'The request body must be a JSON object'],
      ['null', 'null', 'The request body must be a JSON object'],
      ['123', '123', 'The request body must be a JSON object'],
      ['true', 'true', 'The request body must be a JSON object'],
    ])('%s: 400 invalidSyntax on every endpoint with a body', async (_name, body, detail) => {
      for (const [method, path] of targets) {
        const res = await send(method, path, 'application/scim+json', body)
        expectRefused(res, 400, 'invalidSyntax')
        expect(res.body.detail).toBe(detail)
      }
      await expectNothingChanged()
    })

    it('1,001 PATCH operations: 400 tooMany, none applied; 1,000 are accepted', async () => {
      const ops = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'nickName', value: `n${i}` }))
      expectRefused(await api.patch(`/Users/${id}`, patchBody(...ops(1001))), 400, 'tooMany')
      await expectNothingChanged()
      const accepted = await api.patch(`/Users/${id}`, patchBody(...ops(1000)))
      expect(accepted.status).toBe(200)
      expect(accepted.body.nickName).toBe('n999')
    })
  })

  describe('authentication', () => {
    let calls: string[]
    let guarded: ScimApp

    beforeEach(async () => {
      calls = []
      guarded = buildScimApp({ express: makeExpress, wrapUserStore: (store) => countingStore(store, calls) })
      await createUser(client(guarded), 'resident')
      calls.length = 0
    })

    it.each([
      ['no Authorization header', undefined],
      ['Basic credentials', 'Basic dXNlcjpwYXNz'],
      ['the token as Basic credentials', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
      ['Bearer with no token', 'Bearer'],
      ['Bearer and a space', 'Bearer '],
      ['a wrong token', 'Bearer wrong-token'],
      ['the token with a suffix', `Bearer ${TOKEN}x`],
      ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
      ['the token in upper case', `Bearer ${TOKEN.toUpperCase()}`],
      ['the token twice', `Bearer ${TOKEN} ${TOKEN}`],
      ['the token quoted', `Bearer "${TOKEN}"`],
      ['the token split by a space', `Bearer ${TOKEN.slice(0, 4)} ${TOKEN.slice(4)}`],
      ['the token followed by another scheme', `Bearer ${TOKEN}, Basic dXNlcjpwYXNz`],
      ['no space after the scheme', `Bearer${TOKEN}`],
      ['another scheme name', `Token ${TOKEN}`],
      ['a long wrong token (8,000 characters)', `Bearer ${'a'.repeat(8000)}`],
    ])('%s: 401 with WWW-Authenticate and a SCIM body, no store call', async (_name, header) => {
      for (const [method, path] of [
        ['get', '/Users'],
        ['post', '/Users'],
        ['delete', '/Users/anything'],
      ] as const) {
        let test = request(guarded.app)[method](guarded.base + path)
        if (header !== undefined) test = test.set('Authorization', header)
        if (method === 'post') {
          test = test.set('Content-Type', 'application/scim+json').send(JSON.stringify(userBody('intruder')))
        }
        const res = await test
        expectRefused(res, 401)
        expect(res.headers['www-authenticate']).toBe('Bearer realm="SCIM"')
      }
      expect(calls).toEqual([])
      expect(userCount(guarded)).toBe(1)
      await expectHealthy(client(guarded))
    })

    it('the right token in the query string, a cookie or the body, with no header: 401, no store call', async () => {
      for (const name of ['access_token', 'token', 'bearer']) {
        const res = await request(guarded.app).get(`${guarded.base}/Users?${name}=${TOKEN}`)
        expectRefused(res, 401)
        expect(res.headers['www-authenticate']).toBe('Bearer realm="SCIM"')
      }
      expectRefused(
        await request(guarded.app).get(`${guarded.base}/Users`).set('Cookie', `access_token=${TOKEN}`),
        401,
      )
      const inBody = await request(guarded.app)
        .post(`${guarded.base}/Users`)
        .set('Content-Type', 'application/scim+json')
        .send(JSON.stringify({ ...userBody('intruder'), access_token: TOKEN }))
      expectRefused(inBody, 401)
      expect(calls).toEqual([])
      expect(userCount(guarded)).toBe(1)
    })

    it('an Authorization header over Node’s 16 KB header limit: 431 from Node, before the router', async () => {
      const res = await request(guarded.app)
        .get(`${guarded.base}/Users`)
        .set('Authorization', `Bearer ${'a'.repeat(20_000)}`)
      expect(res.status).toBe(431)
      expect(calls).toEqual([])
      await expectHealthy(client(guarded))
    })

    it.each([
      ['lower-case bearer (RFC 7235 §2.1: schemes are case-insensitive)', `bearer ${TOKEN}`],
      ['upper-case BEARER', `BEARER ${TOKEN}`],
      ['several spaces after the scheme (RFC 6750: 1*SP)', `Bearer    ${TOKEN}`],
      ['surrounding whitespace (trimmed by Node)', `   Bearer ${TOKEN}   `],
    ])('%s: accepted, 200', async (_name, header) => {
      const res = await request(guarded.app).get(`${guarded.base}/Users`).set('Authorization', header)
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(1)
    })
  })

  describe('hostile strings are stored and returned verbatim', () => {
    it.each([
      ['10,000 characters', 'x'.repeat(10_000)],
      ['U+0001', 'a\u0001b'],
      ['an ANSI escape', '\u001b[31mred\u001b[0m'],
      ['CR LF and a header', 'a\r\nSet-Cookie: hacked=1'],
      ['U+2028 and U+2029', 'a\u2028b\u2029c'],
      ['a script tag', '<script>alert(1)</script>'],
      ['an attribute breakout', '"><img src=x onerror=alert(1)>'],
      ['a template literal', '$' + '{7*7}'],
      ['a template expression', '{{7*7}}'],
      ['format specifiers', '%s%n%d%x'],
      ['a path traversal', '../../etc/passwd'],
      ['SQL', "'; DROP TABLE users; --"],
      ['a right-to-left override', '\u202egnp.exe'],
      // An unpaired surrogate is refused instead (no database holds it): see the test below.
      ['a surrogate pair (an emoji)', 'a\ud83d\ude00b'],
      ['a backslash and a quote', '\\"'],
    ])('%s: POST 201, GET identical, application/scim+json', async (_name, text) => {
      // userName follows the identifier policy (RFC 8265): a text it refuses is 400 there, and verbatim elsewhere.
      const userName = identifierProblem(text, 'UsernameCasePreserved') === undefined ? text : 'hostile'
      if (userName !== text) expectRefused(await api.post('/Users', userBody(text)), 400, 'invalidValue')
      const res = await api.post(
        '/Users',
        userBody(userName, { displayName: text, nickName: text, title: text, name: { givenName: text } }),
      )
      expect(res.status).toBe(201)
      expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8')
      expect(res.headers['set-cookie']).toBeUndefined()
      const read = await api.get(`/Users/${res.body.id}`)
      expect(read.status).toBe(200)
      expect(read.headers['content-type']).toBe('application/scim+json; charset=utf-8')
      expect(read.headers['set-cookie']).toBeUndefined()
      expect(read.body).toMatchObject({
        userName,
        displayName: text,
        nickName: text,
        title: text,
        name: { givenName: text },
      })
      // Where the filter fits the length limit, displayName eq finds exactly this user.
      const filter = `displayName eq ${JSON.stringify(text)}`
      if (filter.length <= 10_000) {
        const found = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
        expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([res.body.id])
      }
      await expectHealthy(api)
    })

    it('U+0000, which filters declare no stored value can hold, is refused on every write (400 invalidValue)', async () => {
      const id = await createUser(api, 'nul-target', { displayName: 'Clean' })
      const nul = 'nul\u0000byte'
      const post = await api.post('/Users', userBody(nul, { displayName: nul }))
      const put = await api.put(`/Users/${id}`, userBody('nul-target', { displayName: nul }))
      const patch = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'displayName', value: nul }),
      )
      // The read side already refuses it: `userName eq "nul\u0000byte"` is 400 invalidFilter, so a user
      // stored with it could never be found by the filter an IdP uses before creating.
      expectRefused(
        await api.get(`/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(nul)}`)}`),
        400,
        'invalidFilter',
      )
      expect({
        post: [post.status, post.body.scimType],
        put: [put.status, put.body.scimType],
        patch: [patch.status, patch.body.scimType],
      }).toEqual({
        post: [400, 'invalidValue'],
        put: [400, 'invalidValue'],
        patch: [400, 'invalidValue'],
      })
      expect(userCount(scim)).toBe(1)
      expect((await readUser(api, id)).displayName).toBe('Clean')
      await expectHealthy(api)
    })

    it('an unpaired surrogate, which has no UTF-8 form (PostgreSQL jsonb refuses it), is refused on every write (400 invalidValue)', async () => {
      const id = await createUser(api, 'surrogate-target', { displayName: 'Clean' })
      const lone = 'x\ud800y'
      const post = await api.post('/Users', userBody('surrogate-new', { displayName: lone }))
      const put = await api.put(`/Users/${id}`, userBody('surrogate-target', { title: '\udc00' }))
      const patch = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'displayName', value: lone }),
      )
      expect([post, put, patch].map((r) => [r.status, r.body.scimType])).toEqual([
        [400, 'invalidValue'],
        [400, 'invalidValue'],
        [400, 'invalidValue'],
      ])
      // A surrogate pair (an emoji) is a character like any other.
      expect(
        (await api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'ok 😀' })))
          .status,
      ).toBe(200)
      expect((await readUser(api, id)).displayName).toBe('ok 😀')
    })
  })
})

// ---- big payloads, on the default Express only -----------------------------------------------------

interface RawAnswer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/**
 * POSTs `body` to /Users over a raw connection, writing at most `maxBytes` of it and never ending the
 * request: an answer therefore proves the server decided before the body was complete. Writing stops as
 * soon as the answer arrives. The guard rejects when the server waits for the rest (a hang).
 */
async function postUnfinished(
  scim: ScimApp,
  headers: Record<string, string>,
  body: string,
  maxBytes: number,
): Promise<RawAnswer> {
  const server = scim.app.listen(0, '127.0.0.1')
  try {
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    const { port } = server.address() as AddressInfo
    return await new Promise<RawAnswer>((resolve, reject) => {
      let answered = false
      const guard = setTimeout(() => reject(new Error('no answer while the body was incomplete')), 10_000)
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `${scim.base}/Users`,
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/scim+json', ...headers },
        },
        (res) => {
          answered = true
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            text += chunk
          })
          res.on('end', () => {
            clearTimeout(guard)
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text })
            req.destroy()
          })
        },
      )
      req.on('error', (error) => {
        if (answered) return
        clearTimeout(guard)
        reject(error)
      })
      let offset = 0
      const pump = () => {
        while (!answered && offset < maxBytes) {
          const part = body.slice(offset, Math.min(offset + 64 * 1024, maxBytes))
          offset += part.length
          if (!req.write(part)) {
            req.once('drain', pump)
            return
          }
        }
      }
      pump()
    })
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

describe('big payloads (Express 5)', () => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(async () => {
    scim = buildScimApp()
    api = client(scim)
    await createUser(api, 'resident')
  })

  const tenMegabytes = JSON.stringify(userBody('huge', { displayName: 'x'.repeat(10 * 1024 * 1024) }))

  it('10 MB with Content-Length: 413 after the first 64 KB, before the body is complete; nothing created', async () => {
    const answer = await postUnfinished(
      scim,
      { 'Content-Length': String(Buffer.byteLength(tenMegabytes)) },
      tenMegabytes,
      64 * 1024,
    )
    expect(answer.status).toBe(413)
    expect(answer.headers['content-type']).toBe('application/scim+json; charset=utf-8')
    expect(answer.headers.connection).toBe('close')
    expect(JSON.parse(answer.body)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '413',
      detail: 'The request body is larger than 1048576 bytes',
    })
    expect(userCount(scim)).toBe(1)
    await expectHealthy(api)
  })

  it('10 MB chunked without Content-Length: 413 before the body is complete; nothing created', async () => {
    const answer = await postUnfinished(
      scim,
      { 'Transfer-Encoding': 'chunked' },
      tenMegabytes,
      tenMegabytes.length,
    )
    expect(answer.status).toBe(413)
    expect(answer.headers.connection).toBe('close')
    expect(JSON.parse(answer.body)).toMatchObject({ status: '413' })
    expect(userCount(scim)).toBe(1)
    await expectHealthy(api)
  })

  it('10 MB sent whole through supertest: 413 SCIM error, nothing created', async () => {
    const res = await request(scim.app)
      .post(`${scim.base}/Users`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'application/scim+json')
      .send(tenMegabytes)
    expectRefused(res, 413)
    expect(userCount(scim)).toBe(1)
    await expectHealthy(api)
  })

  it('10,000 PATCH operations: 400 tooMany, the user unchanged', async () => {
    const id = (await api.get('/Users')).body.Resources[0].id as string
    const before = await readUser(api, id)
    const ops = Array.from({ length: 10_000 }, (_, i) => ({ op: 'add', path: 'nickName', value: `n${i}` }))
    const res = await api.patch(`/Users/${id}`, patchBody(...ops))
    expectRefused(res, 400, 'tooMany')
    expect(res.body.detail).toBe('The PATCH has 10000 operations; at most 1000 are accepted')
    expect(await readUser(api, id)).toEqual(before)
    await expectHealthy(api)
  })

  it('a 2 MB filter in a /.search body is over bodyLimit: 413', async () => {
    const res = await api.post('/.search', {
      schemas: [SEARCH_SCHEMA],
      filter: `userName eq "${'a'.repeat(2_000_000)}"`,
    })
    expectRefused(res, 413)
    await expectHealthy(api)
  })
})

// ---- what leaks: error bodies and debug output ------------------------------------------------------

describe('error bodies and debug output during hostile requests', () => {
  const captured = captureDebugOutput()

  it('carry no stack trace, token, filter value, password or hostile name', async () => {
    const FILTER_VALUE = 'FILTER-VALUE-7f3a'
    const PASSWORD = 'Pa55-HOSTILE-9c1d'
    const NEW_PASSWORD = 'N3w-HOSTILE-4e2b'
    const WRONG_TOKEN = 'WRONG-HOSTILE-TOKEN'
    const QUERY_TOKEN = 'QUERY-HOSTILE-TOKEN'
    const NAME_MARK = 'ANSI-HOSTILE-NAME'
    const scim = buildScimApp()
    const api = client(scim)
    const responses: request.Response[] = []
    const keep = async (test: request.Test) => {
      const res = await test
      responses.push(res)
      return res
    }

    // The identifier policy refuses the escape in a userName (without quoting it); displayName keeps it.
    await keep(api.post('/Users', userBody(`\u001b[31m%s%n${NAME_MARK}`, { password: PASSWORD })))
    const created = await keep(
      api.post(
        '/Users',
        userBody(`%s%n${NAME_MARK}`, { displayName: `\u001b[31m${NAME_MARK}`, password: PASSWORD }),
      ),
    )
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect(scim.userStore.verifyPassword(TENANT, id, PASSWORD)).toBe(true)
    // A duplicate carrying a password, and passwords of the wrong type.
    const duplicate = await keep(api.post('/Users', userBody(`%s%n${NAME_MARK}`, { password: PASSWORD })))
    expect(duplicate.status).toBe(409)
    await keep(api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'password', value: NEW_PASSWORD })))
    await keep(
      api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'password', value: { [PASSWORD]: 1 } })),
    )
    await keep(api.put(`/Users/${id}`, userBody('other', { password: [PASSWORD] })))
    // Filters, valid and not, carrying the distinctive value.
    for (const filter of [
      `userName eq "${FILTER_VALUE}"`,
      `password eq "${FILTER_VALUE}"`,
      `nope eq "${FILTER_VALUE}"`,
      `meta.created gt "${FILTER_VALUE}"`,
      `userName eq "${FILTER_VALUE}\\u0000"`,
      `userName eq "${FILTER_VALUE}`,
      `${'('.repeat(40)}userName eq "${FILTER_VALUE}"${')'.repeat(40)}`,
      `userName eq "${FILTER_VALUE}${'a'.repeat(20_000)}"`,
    ]) {
      await keep(api.post('/Users/.search', { schemas: [SEARCH_SCHEMA], filter }))
      if (filter.length < 2000) await keep(api.get(`/Users?filter=${encodeURIComponent(filter)}`))
    }
    // Bodies, auth, prototype keys.
    await keep(
      request(scim.app)
        .post(`${scim.base}/Users`)
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'application/scim+json')
        .send(`{"userName":"${PASSWORD}"`),
    )
    await keep(
      rawJson(
        scim,
        'patch',
        `/Users/${id}`,
        rawPatch('{"op":"add","value":{"__proto__":{"polluted":true}}}'),
      ),
    )
    await keep(request(scim.app).get(`${scim.base}/Users`).set('Authorization', `Bearer ${WRONG_TOKEN}`))
    await keep(request(scim.app).get(`${scim.base}/Users?access_token=${QUERY_TOKEN}`))
    await keep(
      api.patch(
        `/Users/${id}`,
        patchBody(...Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'title' }))),
      ),
    )

    // Every refusal is a SCIM 4xx without a stack, a token or a password; semantic filter errors name the
    // attribute, not the value, and syntax errors quote a short excerpt of the client's own text only.
    const errors = responses.filter((res) => res.status >= 400)
    expect(errors.length).toBeGreaterThan(15)
    for (const res of errors) {
      expect(res.status).toBeLessThan(500)
      expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
      expect(res.text).not.toMatch(STACK_TRACE)
      for (const secret of [TOKEN, WRONG_TOKEN, QUERY_TOKEN, PASSWORD, NEW_PASSWORD]) {
        expect(res.text).not.toContain(secret)
      }
      expect(res.text.length).toBeLessThan(400)
    }
    for (const res of responses.filter((r) =>
      /Unknown attribute|password|dateTime|U\+0000/.test(r.body.detail ?? ''),
    )) {
      expect(res.body.detail).not.toContain(FILTER_VALUE)
    }
    for (const res of responses) expect(JSON.stringify(res.body)).not.toContain(PASSWORD)

    const text = captured.join('\n')
    expect(text).toContain('express-scim:request')
    expect(text).toContain('/Users/:id')
    expect(text).toContain('express-scim:auth')
    for (const secret of [
      TOKEN,
      WRONG_TOKEN,
      QUERY_TOKEN,
      FILTER_VALUE,
      PASSWORD,
      NEW_PASSWORD,
      NAME_MARK,
      '%s%n',
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(text).not.toMatch(STACK_TRACE)
    expectNoPollution()
    await expectHealthy(api)
  })

  it('a store failure is a bare 500 and its message and stack reach neither the body nor the log', async () => {
    const failure = new Error('store exploded at /srv/app/lib/db.ts:12:5 with STORE-SECRET')
    const scim = buildScimApp({
      wrapUserStore: (store) =>
        new Proxy(store, {
          get(target, key) {
            const value = Reflect.get(target, key, target)
            if (key === 'list') {
              return () => {
                throw failure
              }
            }
            return typeof value === 'function' ? value.bind(target) : value
          },
        }) as unknown as UserStore,
    })
    const res = await client(scim).get(
      `/Users?filter=${encodeURIComponent('userName eq "FILTER-IN-FAILURE"')}`,
    )
    expectScimErrorResponse(res, 500)
    expect(res.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '500' })
    const text = captured.join('\n')
    expect(text).toContain('GET /Users failed: Error')
    for (const secret of ['STORE-SECRET', '/srv/app', 'FILTER-IN-FAILURE']) expect(text).not.toContain(secret)
    expect(text).not.toMatch(STACK_TRACE)
  })
})
