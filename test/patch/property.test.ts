// Property tests (fast-check) of applyPatch: errors, no mutation, prototypes, atomicity, members, primary.
import * as fc from 'fast-check'
import type { PatchDialect } from '../../lib/dialect'
import { isScimError, type ScimError } from '../../lib/errors'
import { type ApplyPatchOptions, applyPatch, requiresMemberList } from '../../lib/patch/apply'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../lib/schema/core'
import type { MemberChanges, PatchRequest, PatchResult } from '../../types/patch'

// Taken before any test runs; the last test checks that no prototype gained or lost a property.
const PROTOTYPE_NAMES = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const ENTERPRISE = ENTERPRISE_USER_SCHEMA
const DIALECTS: readonly PatchDialect[] = ['lenient', 'strict']
const RUNS = 400

// ---- helpers ----------------------------------------------------------------------------------------

const patchRequest = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations })

const userOptions = (dialect: PatchDialect): ApplyPatchOptions => ({ resourceType: 'User', dialect })

/** Freezes a value and everything reachable from it, so that any write by the library throws. */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen)
  Object.freeze(value)
  return value
}

/** Every object in a result is a plain object or array: nothing with a foreign or null prototype. */
function expectPlainTree(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  const expected = Array.isArray(value) ? Array.prototype : Object.prototype
  if (Object.getPrototypeOf(value) !== expected)
    throw new Error(`foreign prototype in ${JSON.stringify(value)}`)
  for (const key of Object.keys(value)) expectPlainTree((value as Record<string, unknown>)[key])
}

/**
 * Structural equality of a value and its structuredClone snapshot: own enumerable keys (an own
 * `__proto__` or `constructor` is a plain key here), Object.is on primitives. Jest's toStrictEqual cannot
 * serve: it reads `.constructor`, which hostile values redefine, and snapshots come from Node's realm.
 */
function sameAsSnapshot(value: unknown, snapshot: unknown): boolean {
  if (typeof value !== 'object' || value === null || typeof snapshot !== 'object' || snapshot === null) {
    return Object.is(value, snapshot)
  }
  if (Array.isArray(value) !== Array.isArray(snapshot)) return false
  const keys = Object.keys(value)
  const snapshotKeys = Object.keys(snapshot)
  return (
    keys.length === snapshotKeys.length &&
    keys.every(
      (key) =>
        Object.hasOwn(snapshot, key) &&
        sameAsSnapshot((value as Record<string, unknown>)[key], (snapshot as Record<string, unknown>)[key]),
    )
  )
}

function expectUnchanged(value: unknown, snapshot: unknown, what: string): void {
  if (!sameAsSnapshot(value, snapshot)) throw new Error(`the ${what} was mutated: ${JSON.stringify(value)}`)
}

type Outcome =
  | { readonly result: PatchResult; readonly error?: undefined }
  | { readonly result?: undefined; readonly error: ScimError }

/**
 * Applies a PATCH to deep-frozen inputs and checks what every call keeps: it returns a result or throws a
 * SCIM 400 (anything else is rethrown, failing the property), the inputs equal their snapshots, no
 * prototype is polluted, and the result is a new tree of plain objects.
 */
function patchChecked(
  resource: Record<string, unknown>,
  request: unknown,
  options: ApplyPatchOptions,
): Outcome {
  deepFreeze(resource)
  deepFreeze(request)
  const resourceBefore = structuredClone(resource)
  const requestBefore = structuredClone(request)
  let result: PatchResult | undefined
  let thrown: unknown
  try {
    result = applyPatch(resource, request as PatchRequest, options)
  } catch (error) {
    thrown = error
  }
  expectUnchanged(resource, resourceBefore, 'resource')
  expectUnchanged(request, requestBefore, 'request')
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
  if (result === undefined) {
    if (!isScimError(thrown) || thrown.status !== 400) throw thrown
    expect(thrown.expose).toBe(true)
    return { error: thrown }
  }
  expect(thrown).toBeUndefined()
  expect(result.resource).not.toBe(resource)
  expect(Object.getPrototypeOf(result.resource)).toBe(Object.prototype)
  expectPlainTree(result.resource)
  return { result }
}

function expectError(outcome: Outcome, scimType?: string): ScimError {
  if (outcome.error === undefined)
    throw new Error(`expected a SCIM 400, got ${JSON.stringify(outcome.result)}`)
  if (scimType !== undefined) expect(outcome.error.scimType).toBe(scimType)
  return outcome.error
}

function expectResult(outcome: Outcome): PatchResult {
  if (outcome.error !== undefined) throw outcome.error
  return outcome.result
}

/** Keeps `primary: true` on the first element that has it: a stored list that obeys RFC 7643 §2.4. */
function atMostOnePrimary<T extends { readonly primary?: boolean }>(list: readonly T[]): T[] {
  let seen = false
  return list.map((element) => {
    if (element.primary !== true) return element
    if (!seen) {
      seen = true
      return element
    }
    return { ...element, primary: false }
  })
}

const primaryCount = (list: unknown) =>
  Array.isArray(list)
    ? list.filter((e) => typeof e === 'object' && e !== null && e.primary === true).length
    : 0

// ---- User resources and values ------------------------------------------------------------------------

const EMAILS = ['a@x.io', 'x@y.z', 'B@x.io'] as const
const shortString = fc.string({ maxLength: 8 })

const emailArb = fc.record(
  {
    value: fc.constantFrom(...EMAILS),
    type: fc.constantFrom('work', 'home', 'other'),
    primary: fc.boolean(),
    display: fc.constantFrom('A', 'Work mail'),
  },
  { noNullPrototype: true, requiredKeys: ['value'] },
)
const phoneArb = fc.record(
  {
    value: fc.constantFrom('+1 555 0100', '+44 20 7946'),
    type: fc.constantFrom('work', 'mobile'),
    primary: fc.boolean(),
  },
  { noNullPrototype: true, requiredKeys: ['value'] },
)
const addressArb = fc.record(
  {
    locality: fc.constantFrom('Oslo', 'Lyon'),
    streetAddress: fc.constant('1 Main St'),
    type: fc.constantFrom('work', 'home'),
    primary: fc.boolean(),
  },
  { noNullPrototype: true, requiredKeys: [] },
)
const nameArb = fc.record(
  { givenName: shortString, familyName: shortString, formatted: shortString },
  { noNullPrototype: true, requiredKeys: [] },
)
const managerArb = fc.record(
  { value: fc.constantFrom('m1', 'm2'), displayName: shortString },
  { noNullPrototype: true, requiredKeys: [] },
)
const enterpriseArb = fc.record(
  { department: shortString, employeeNumber: shortString, manager: managerArb },
  { noNullPrototype: true, requiredKeys: [] },
)

// Stored values are plain objects (fast-check's records may otherwise have a null prototype); request
// values may have any prototype, through fc.anything below.

/** A stored User, as a store hands it over: well-formed, at most one primary per list. */
const userArb = fc.record(
  {
    schemas: fc.constantFrom([USER_SCHEMA], [USER_SCHEMA, ENTERPRISE]),
    id: fc.constant('u1'),
    userName: fc.string({ minLength: 1, maxLength: 8 }),
    displayName: shortString,
    active: fc.boolean(),
    title: shortString,
    name: nameArb,
    emails: fc.array(emailArb, { maxLength: 4 }).map(atMostOnePrimary),
    phoneNumbers: fc.array(phoneArb, { maxLength: 3 }).map(atMostOnePrimary),
    addresses: fc.array(addressArb, { maxLength: 3 }).map(atMostOnePrimary),
    groups: fc.constant([{ value: 'g1', display: 'Staff' }]),
    meta: fc.constant({ resourceType: 'User', created: '2024-01-01T00:00:00Z', version: 'W/"1"' }),
    [ENTERPRISE]: enterpriseArb,
  },
  { noNullPrototype: true, requiredKeys: ['schemas', 'id', 'userName', 'meta'] },
)

const REAL_PATHS = [
  'userName',
  'displayName',
  'active',
  'title',
  'nickName',
  'externalId',
  'name',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[value eq "x@y.z"].primary',
  'emails[type eq "home" and primary eq true]',
  'emails.value',
  'phoneNumbers',
  'phoneNumbers[type eq "mobile"].value',
  'addresses',
  'addresses[type eq "work"]',
  'addresses[type eq "work"].locality',
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:manager.value`,
  `${ENTERPRISE}:manager.displayName`,
  ENTERPRISE,
  `${USER_SCHEMA}:displayName`,
  'department',
  'id',
  'meta',
  'meta.created',
  'groups',
  'password',
  'schemas',
] as const

const JUNK_PATHS = [
  '__proto__',
  '__proto__.x',
  '__proto__.polluted',
  'constructor',
  'constructor.prototype.x',
  'prototype',
  'toString',
  'hasOwnProperty',
  'name.__proto__',
  'name.constructor',
  'emails[type eq "work"].__proto__',
  'emails[__proto__ eq "x"]',
  'emails[',
  'emails[type eq "work"',
  'emails[type eq]',
  'emails]',
  'emails[type eq "work"][value eq "x"]',
  'a.b.c',
  'urn:x:y:__proto__',
  `${ENTERPRISE}:__proto__`,
  `${ENTERPRISE}:toString`,
  'urn:',
  'members',
  '',
  ' ',
] as const

const pathArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...REAL_PATHS) },
  { weight: 2, arbitrary: fc.mixedCase(fc.constantFrom(...REAL_PATHS)) },
  { weight: 3, arbitrary: fc.constantFrom(...JUNK_PATHS) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(null), fc.integer(), fc.constant({})),
  },
)

/** Values built to reach prototypes if the library ever wrote keys blindly. */
const HOSTILE_VALUES: readonly unknown[] = [
  JSON.parse('{"__proto__": {"polluted": 1}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}'),
  JSON.parse('{"value": "x@y.z", "__proto__": {"polluted": 1}}'),
  JSON.parse('[{"value": "x@y.z", "__proto__": {"polluted": 1}}]'),
  JSON.parse('{"emails": [{"value": "x", "__proto__": {"polluted": 1}}]}'),
  JSON.parse('{"name": {"__proto__": {"polluted": 1}}}'),
  { prototype: { polluted: 1 } },
  { toString: 'x' },
  { givenName: 'x', hasOwnProperty: 'y' },
]
const hostileValueArb = fc.constantFrom(...HOSTILE_VALUES)

const typedValueArb = fc.oneof(
  shortString,
  fc.boolean(),
  fc.mixedCase(fc.constantFrom('true', 'false')),
  fc.constantFrom('True', 'False', 'yes', '', '2024-01-01T00:00:00Z', 'm1'),
  fc.constant(null),
  nameArb,
  emailArb,
  fc.array(emailArb, { maxLength: 3 }),
  fc.array(phoneArb, { maxLength: 2 }),
  fc.array(addressArb, { maxLength: 2 }),
  addressArb,
  managerArb,
  enterpriseArb,
  fc.constant([{ value: 'g2' }]),
)

const valueArb = fc.oneof(
  { weight: 6, arbitrary: typedValueArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true }) },
  { weight: 1, arbitrary: hostileValueArb },
)

const pathLessKeyArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'userName',
      'displayName',
      'DisplayName',
      'active',
      'title',
      'name',
      'emails',
      'phoneNumbers',
      'addresses',
      'externalId',
      'id',
      'meta',
      'groups',
      'password',
      'schemas',
      'department',
      'name.givenName',
      'emails[type eq "work"].value',
      'addresses[type eq "work"].locality',
      ENTERPRISE,
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
      `${ENTERPRISE}:manager.value`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'valueOf',
      '__proto__.polluted',
      'constructor.prototype.polluted',
      'urn:x:y:__proto__',
      `${ENTERPRISE}:__proto__`,
      'a.b.c',
      'nope',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
)

// Object.fromEntries defines keys as own data properties, so '__proto__' becomes a real key here.
const pathLessValueArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.array(fc.tuple(pathLessKeyArb, valueArb), { maxLength: 4 }).map(Object.fromEntries),
  },
  { weight: 1, arbitrary: hostileValueArb },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
)

const opNameArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('add', 'remove', 'replace') },
  { weight: 4, arbitrary: fc.mixedCase(fc.constantFrom('add', 'remove', 'replace')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>('copy', 'move', 'test', 'delete', '', 'add ', null, 1, undefined, [
      'add',
    ]),
  },
)

const operationArb = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record(
      { op: opNameArb, path: pathArb, value: valueArb },
      { noNullPrototype: true, requiredKeys: ['op'] },
    ),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      { op: opNameArb, value: pathLessValueArb },
      { noNullPrototype: true, requiredKeys: ['op'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      'add',
      [],
      42,
      JSON.parse('{"op": "add", "value": {"title": "x"}, "__proto__": {"polluted": 1}}'),
      { op: 'replace', path: 'title', value: 'x', extra: true },
      { op: 'replace', path: 'title', value: 'x', toString: 'x' },
      { op: 'add', path: 'title' },
      { op: 'remove' },
    ),
  },
)

const junkBodyArb = fc.constantFrom<unknown>(
  null,
  'x',
  [],
  {},
  { schemas: [], Operations: [{ op: 'add', value: { title: 'x' } }] },
  { schemas: PATCH_OP, Operations: [{ op: 'add', value: { title: 'x' } }] },
  { Operations: [{ op: 'add', value: { title: 'x' } }] },
  { schemas: [PATCH_OP], Operations: [] },
  { schemas: [PATCH_OP], Operations: 'x' },
  { schemas: [PATCH_OP], Operations: { op: 'add', value: { title: 'x' } } },
  { schemas: [PATCH_OP.toUpperCase()], operations: [{ op: 'add', value: { title: 'x' } }] },
  { schemas: [PATCH_OP], Operations: Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'title' })) },
  JSON.parse(
    `{"schemas": ["${PATCH_OP}"], "Operations": [{"op": "remove", "path": "title"}], "__proto__": {"polluted": 1}}`,
  ),
  {
    schemas: [PATCH_OP],
    Operations: [{ op: 'remove', path: 'title' }],
    constructor: { prototype: { polluted: 1 } },
  },
)

/** Requests mixing valid and invalid shapes at every level: body, operation, op name, path, value. */
const requestArb = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.array(operationArb, { minLength: 1, maxLength: 5 }).map((ops) => patchRequest(...ops)),
  },
  { weight: 1, arbitrary: junkBodyArb },
)

/** Operations valid on any generated User, in any order, under both dialects. */
const validOperationArb = fc.oneof(
  fc.record({
    op: fc.constant('replace'),
    path: fc.constantFrom('displayName', 'title', 'userName'),
    value: shortString,
  }),
  fc.record({ op: fc.constant('replace'), path: fc.constant('active'), value: fc.boolean() }),
  fc.record({
    op: fc.constant('replace'),
    path: fc.constantFrom('name.givenName', 'name.familyName'),
    value: shortString,
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant('emails'),
    value: fc.array(emailArb, { maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('add'),
    path: fc.constant('phoneNumbers'),
    value: fc.array(phoneArb, { maxLength: 2 }),
  }),
  fc.record({ op: fc.constant('add'), path: fc.constant(`${ENTERPRISE}:department`), value: shortString }),
  fc.record({ op: fc.constant('replace'), path: fc.constant(`${ENTERPRISE}:manager`), value: managerArb }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    value: fc.record({ nickName: shortString, title: shortString }),
  }),
  fc.record({
    op: fc.constant('remove'),
    path: fc.constantFrom('title', 'name.givenName', 'emails[type eq "home"]', ENTERPRISE),
  }),
)

// ---- 1. only SCIM 400s --------------------------------------------------------------------------------

describe('applyPatch on random requests', () => {
  it.each(DIALECTS)('returns a result or throws a SCIM 400, never anything else (%s)', (dialect) => {
    let results = 0
    let errors = 0
    fc.assert(
      fc.property(userArb, requestArb, (user, request) => {
        const outcome = patchChecked(user, request, userOptions(dialect))
        if (outcome.error) errors++
        else results++
      }),
      { numRuns: 1500 },
    )
    // Both branches are exercised, not just the error one (strict refuses most generated requests).
    expect(results).toBeGreaterThan(15)
    expect(errors).toBeGreaterThan(500)
  })

  // ---- 2. no mutation ---------------------------------------------------------------------------------

  it.each(DIALECTS)('never mutates the resource or the request, on success or failure (%s)', (dialect) => {
    let results = 0
    let errors = 0
    const mixedOperations = fc.array(
      fc.oneof({ weight: 4, arbitrary: validOperationArb }, { weight: 1, arbitrary: operationArb }),
      { minLength: 1, maxLength: 6 },
    )
    fc.assert(
      fc.property(userArb, mixedOperations, (user, operations) => {
        // patchChecked compares frozen inputs with structuredClone snapshots taken before the call.
        const outcome = patchChecked(user, patchRequest(...operations), userOptions(dialect))
        if (outcome.error) errors++
        else results++
      }),
      { numRuns: RUNS },
    )
    expect(results).toBeGreaterThan(RUNS / 10)
    expect(errors).toBeGreaterThan(RUNS / 10)
  })

  // ---- 3. no prototype touched (targeted; the last test re-checks the prototypes) -----------------------

  it.each(DIALECTS)(
    'writes no prototype, whatever hostile keys the request or the stored resource hold (%s)',
    (dialect) => {
      const hostileResource = userArb.map((user) => ({
        ...JSON.parse('{"__proto__": {"polluted": 1}}'),
        ...user,
      }))
      const hostileOperation = fc.oneof(
        fc.record({
          op: opNameArb,
          path: fc.constantFrom(...JUNK_PATHS, ...REAL_PATHS),
          value: hostileValueArb,
        }),
        fc.record({ op: opNameArb, value: hostileValueArb }),
        fc.record({ op: opNameArb, path: fc.constantFrom(...JUNK_PATHS), value: valueArb }),
      )
      fc.assert(
        fc.property(
          fc.oneof(userArb, hostileResource),
          fc.array(hostileOperation, { minLength: 1, maxLength: 3 }),
          (user, operations) => {
            const outcome = patchChecked(user, patchRequest(...operations), userOptions(dialect))
            // A stored own "__proto__" key stays a plain key of the copy, never its prototype.
            if (outcome.result) expect(Object.getPrototypeOf(outcome.result.resource)).toBe(Object.prototype)
          },
        ),
        { numRuns: RUNS },
      )
    },
  )
})

// ---- 4. atomicity -----------------------------------------------------------------------------------

describe('applyPatch atomicity', () => {
  /** Invalid whatever came before. (Their scimTypes are pinned by the unit tests, not here.) */
  const INVALID_LAST: readonly unknown[] = [
    { op: 'remove', path: 'userName' },
    { op: 'replace', path: 'nickname2', value: 'x' },
    { op: 'remove', path: `${ENTERPRISE}:nope` },
    { op: 'replace', path: 'emails[type eq "work"].nope', value: 'x' },
    { op: 'replace', path: 'emails[', value: 'x' },
    { op: 'add', path: '__proto__.polluted', value: 1 },
    { op: 'replace', path: 'id', value: 'other' },
    { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' },
    { op: 'add', path: 'groups', value: [{ value: 'g2' }] },
    { op: 'replace', path: 'schemas', value: [USER_SCHEMA] },
    { op: 'replace', path: 'active', value: 'maybe' },
    { op: 'replace', path: 'name', value: { nope: 'x' } },
    { op: 'add', value: JSON.parse('{"__proto__": {"polluted": 1}}') },
    { op: 'remove' },
    { op: 'copy', path: 'title', value: 'x' },
    { op: 'add', path: 'title' },
  ]

  it('fails as a whole on an invalid last operation, while the valid prefix alone succeeds', () => {
    fc.assert(
      fc.property(
        userArb,
        fc.array(validOperationArb, { maxLength: 5 }),
        fc.constantFrom(...INVALID_LAST),
        fc.constantFrom(...DIALECTS),
        (user, prefix, last, dialect) => {
          const options = userOptions(dialect)
          const before =
            prefix.length > 0 ? expectResult(patchChecked(user, patchRequest(...prefix), options)) : undefined
          // patchChecked asserts the failing call returned nothing and left the (frozen) input as it was.
          const full = patchChecked(user, patchRequest(...prefix, last), options)
          const error = expectError(full)
          expect(full.result).toBeUndefined()
          // The same operation alone, on the state the prefix led to, fails the same way.
          const alone = expectError(patchChecked(before?.resource ?? user, patchRequest(last), options))
          expect(alone.scimType).toBe(error.scimType)
        },
      ),
      { numRuns: RUNS },
    )
  })
})

// ---- 5. group members -------------------------------------------------------------------------------

const MEMBER_IDS = ['a', 'b', 'c', 'd', 'e', 'A', 'B', 'u-1', 'g:1'] as const
const memberIdArb = fc.constantFrom(...MEMBER_IDS)
const memberArb = fc.record(
  { value: memberIdArb, display: fc.constantFrom('Ann', 'Bob'), type: fc.constantFrom('User', 'Group') },
  { noNullPrototype: true, requiredKeys: ['value'] },
)
type Member = { readonly value: string; readonly display?: string; readonly type?: string }

type MemberStep =
  | {
      readonly kind: 'add' | 'replace' | 'pathLessAdd' | 'pathLessReplace'
      readonly members: readonly Member[]
    }
  | { readonly kind: 'removeFilter' | 'removeValue'; readonly ids: readonly string[] }
  | { readonly kind: 'removeAll' }
  | {
      readonly kind: 'displayName'
      readonly op: 'add' | 'replace'
      readonly pathLess: boolean
      readonly name: string
    }

const memberStepArb = (dialect: PatchDialect): fc.Arbitrary<MemberStep> =>
  fc.oneof(
    fc.record({
      kind: fc.constantFrom('add', 'replace', 'pathLessAdd', 'pathLessReplace'),
      members: fc.array(memberArb, { maxLength: 5 }),
    }),
    fc.record({
      kind: fc.constantFrom(
        ...(dialect === 'lenient' ? (['removeFilter', 'removeValue'] as const) : (['removeFilter'] as const)),
      ),
      ids: fc.array(memberIdArb, { minLength: 1, maxLength: 3 }),
    }),
    fc.constant({ kind: 'removeAll' as const }),
    fc.record({
      kind: fc.constant('displayName' as const),
      op: fc.constantFrom('add' as const, 'replace' as const),
      pathLess: fc.boolean(),
      name: fc.string({ minLength: 1, maxLength: 6 }),
    }),
  )

/** The operation a store receives for a step; `capitalise` writes op names as Entra does. */
function memberOperation(step: MemberStep, capitalise: boolean): Record<string, unknown> {
  const op = (name: string) => (capitalise ? name[0]!.toUpperCase() + name.slice(1) : name)
  switch (step.kind) {
    case 'add':
    case 'replace':
      return { op: op(step.kind), path: 'members', value: step.members }
    case 'pathLessAdd':
      return { op: op('add'), value: { members: step.members } }
    case 'pathLessReplace':
      return { op: op('replace'), value: { members: step.members } }
    case 'removeFilter':
      return { op: op('remove'), path: `members[${step.ids.map((id) => `value eq "${id}"`).join(' or ')}]` }
    case 'removeValue':
      return { op: op('remove'), path: 'members', value: step.ids.map((id) => ({ value: id })) }
    case 'removeAll':
      return { op: op('remove'), path: 'members' }
    case 'displayName':
      return step.pathLess
        ? { op: op(step.op), value: { displayName: step.name } }
        : { op: op(step.op), path: 'displayName', value: step.name }
  }
}

/** The member ids after the steps, computed by hand on a Set. */
function membersByHand(start: readonly string[], steps: readonly MemberStep[]): Set<string> {
  const ids = new Set(start)
  for (const step of steps) {
    switch (step.kind) {
      case 'replace':
      case 'pathLessReplace':
        ids.clear()
        for (const member of step.members) ids.add(member.value)
        break
      case 'add':
      case 'pathLessAdd':
        for (const member of step.members) ids.add(member.value)
        break
      case 'removeFilter':
      case 'removeValue':
        for (const id of step.ids) ids.delete(id)
        break
      case 'removeAll':
        ids.clear()
        break
      case 'displayName':
        break
    }
  }
  return ids
}

/** What a store does with memberChanges: the delta (additions, then removals) or the replacement. */
function applyMemberChanges(start: readonly string[], changes: MemberChanges | undefined): Set<string> {
  if (changes === undefined) return new Set(start)
  if (changes.kind === 'replace') return new Set(changes.members.map((m) => m.value))
  // The two lists never share an id, so the order a store applies them in cannot matter.
  expect(changes.added.filter((m) => changes.removed.includes(m.value))).toEqual([])
  const ids = new Set(start)
  for (const member of changes.added) ids.add(member.value)
  for (const id of changes.removed) ids.delete(id)
  return ids
}

const sorted = (ids: Iterable<string>) => [...ids].sort()

/** Shapes that cannot be applied without the member list. */
const NEEDS_MEMBER_LIST = [
  { op: 'remove', path: 'members[display eq "x"]' },
  { op: 'remove', path: 'members[type eq "User"]' },
  { op: 'remove', path: 'members[value eq "a" and type eq "User"]' },
  { op: 'remove', path: 'members[value eq "a"].display' },
  { op: 'replace', path: 'members[value eq "a"]', value: { display: 'x' } },
  { op: 'add', path: 'members[value sw "a"].display', value: 'x' },
] as const

describe('applyPatch on group members', () => {
  it.each(DIALECTS)(
    'gives the member set computed by hand, with or without the list loaded (%s)',
    (dialect) => {
      fc.assert(
        fc.property(
          fc.array(memberArb, { maxLength: 30 }),
          fc.array(memberStepArb(dialect), { minLength: 1, maxLength: 8 }),
          fc.boolean(),
          (startMembers, steps, capitalise) => {
            const operations = steps.map((step) => memberOperation(step, capitalise && dialect === 'lenient'))
            const request = patchRequest(...operations)
            const startIds = startMembers.map((m) => m.value)
            const expected = sorted(membersByHand(startIds, steps))
            const base = {
              schemas: [GROUP_SCHEMA],
              id: 'g1',
              displayName: 'Team',
              meta: { resourceType: 'Group' },
            }
            const lastName = steps.filter((s) => s.kind === 'displayName').at(-1)?.name ?? 'Team'

            // The shapes a store receives as deltas never need the member list.
            expect(requiresMemberList(request as PatchRequest, { resourceType: 'Group', dialect })).toBe(
              false,
            )

            // The full group, members loaded.
            const full = { ...base, members: startMembers }
            const loaded = expectResult(
              patchChecked(full, request, { resourceType: 'Group', dialect, membersLoaded: true }),
            )
            const after = (loaded.resource as { members?: readonly Member[] }).members ?? []
            expect(sorted(new Set(after.map((m) => m.value)))).toEqual(expected)
            expect(sorted(applyMemberChanges(startIds, loaded.memberChanges))).toEqual(expected)
            expect(loaded.resource.displayName).toBe(lastName)

            // The same group without its members: memberChanges alone say what to do.
            const light = { ...base }
            const unloaded = expectResult(
              patchChecked(light, request, { resourceType: 'Group', dialect, membersLoaded: false }),
            )
            expect(unloaded.resource.members).toBeUndefined()
            expect(unloaded.memberChanges === undefined).toBe(steps.every((s) => s.kind === 'displayName'))
            expect(sorted(applyMemberChanges(startIds, unloaded.memberChanges))).toEqual(expected)
            expect(unloaded.resource.displayName).toBe(lastName)
          },
        ),
        { numRuns: RUNS },
      )
    },
  )

  it.each(DIALECTS)(
    'says the member list is needed as soon as one operation filters members otherwise (%s)',
    (dialect) => {
      fc.assert(
        fc.property(
          fc.array(memberStepArb(dialect), { maxLength: 6 }),
          fc.constantFrom(...NEEDS_MEMBER_LIST),
          fc.nat(),
          (steps, needing, at) => {
            const operations: unknown[] = steps.map((step) => memberOperation(step, false))
            operations.splice(at % (operations.length + 1), 0, needing)
            expect(
              requiresMemberList(patchRequest(...operations) as PatchRequest, {
                resourceType: 'Group',
                dialect,
              }),
            ).toBe(true)
          },
        ),
        { numRuns: RUNS },
      )
    },
  )
})

// ---- 6. Entra's booleans ----------------------------------------------------------------------------

describe('applyPatch on booleans as strings', () => {
  const booleanText = fc.mixedCase(fc.constantFrom('true', 'false'))
  const otherText = fc
    .oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(
        ' true',
        'true ',
        'tru',
        'truee',
        'yes',
        'no',
        '1',
        '0',
        '',
        'null',
        'ｔｒｕｅ',
        'fals\u0435',
      ),
      fc.mixedCase(fc.constantFrom('true', 'false')).map((s) => `${s}\u0000`),
    )
    .filter((s) => s.toLowerCase() !== 'true' && s.toLowerCase() !== 'false')

  it('lenient: replace active with any case of "true"/"false" gives exactly that boolean', () => {
    fc.assert(
      fc.property(userArb, booleanText, (user, text) => {
        const result = expectResult(
          patchChecked(
            user,
            patchRequest({ op: 'replace', path: 'active', value: text }),
            userOptions('lenient'),
          ),
        )
        expect(result.resource.active).toBe(text.toLowerCase() === 'true')
      }),
      { numRuns: RUNS },
    )
  })

  it('lenient: any other string is 400 invalidValue', () => {
    fc.assert(
      fc.property(userArb, otherText, (user, text) => {
        expectError(
          patchChecked(
            user,
            patchRequest({ op: 'replace', path: 'active', value: text }),
            userOptions('lenient'),
          ),
          'invalidValue',
        )
      }),
      { numRuns: RUNS },
    )
  })

  it('strict: every string is 400 invalidValue', () => {
    fc.assert(
      fc.property(userArb, fc.oneof(booleanText, otherText), (user, text) => {
        expectError(
          patchChecked(
            user,
            patchRequest({ op: 'replace', path: 'active', value: text }),
            userOptions('strict'),
          ),
          'invalidValue',
        )
      }),
      { numRuns: RUNS },
    )
  })
})

// ---- 7. primary -------------------------------------------------------------------------------------

describe('applyPatch on primary', () => {
  const primaryText = fc.constantFrom<unknown>(true, 'True', 'TRUE', false)
  const primaryOperationArb = fc.oneof(
    fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.constant('emails'),
      value: fc.array(emailArb, { maxLength: 4 }),
    }),
    fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.constant('phoneNumbers'),
      value: fc.array(phoneArb, { maxLength: 3 }),
    }),
    fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.constant('addresses'),
      value: fc.array(addressArb, { maxLength: 3 }),
    }),
    fc.record({ op: fc.constantFrom('add', 'replace'), path: fc.constant('emails'), value: emailArb }),
    fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.constantFrom(
        'emails[type eq "work"].primary',
        'emails[value eq "x@y.z"].primary',
        'emails[type eq "home" or type eq "work"].primary',
        'phoneNumbers[type eq "mobile"].primary',
        'addresses[type eq "work"].primary',
      ),
      value: primaryText,
    }),
    fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.constantFrom(
        'emails[type eq "work"]',
        'addresses[type eq "home"]',
        'emails[value eq "a@x.io"]',
      ),
      value: fc.record(
        { primary: primaryText, type: fc.constantFrom('work', 'home') },
        { noNullPrototype: true, requiredKeys: ['primary'] },
      ),
    }),
    fc.record({
      op: fc.constantFrom('add', 'replace'),
      value: fc.record(
        {
          emails: fc.array(emailArb, { maxLength: 3 }),
          'emails[type eq "home"].primary': primaryText,
          'phoneNumbers[type eq "work"].primary': primaryText,
        },
        { noNullPrototype: true, requiredKeys: [] },
      ),
    }),
    fc.record({
      op: fc.constant('remove'),
      path: fc.constantFrom('emails[primary eq true]', 'emails[type eq "work"].primary'),
    }),
  )

  it.each(DIALECTS)(
    'leaves at most one primary element per attribute when at most one was before (%s)',
    (dialect) => {
      let results = 0
      fc.assert(
        fc.property(
          userArb,
          fc.array(
            fc.oneof(
              { weight: 3, arbitrary: primaryOperationArb },
              { weight: 1, arbitrary: validOperationArb },
            ),
            {
              minLength: 1,
              maxLength: 5,
            },
          ),
          (user, operations) => {
            const outcome = patchChecked(user, patchRequest(...operations), userOptions(dialect))
            if (!outcome.result) return
            results++
            for (const name of ['emails', 'phoneNumbers', 'addresses']) {
              expect(primaryCount(outcome.result.resource[name])).toBeLessThanOrEqual(1)
            }
          },
        ),
        { numRuns: RUNS },
      )
      expect(results).toBeGreaterThan(RUNS / 4)
    },
  )

  // Regression (fixed in lib/patch/apply.ts, union() + fixPrimary()): adding an element with
  // `primary: true` whose value is already stored merges it into the stored element; fixPrimary() must
  // keep that merged element primary rather than set every primary to false.
  // Minimal: emails [{value:'a@x.io', display:'A'}] + add emails [{value:'a@x.io', primary:true}] gives
  // emails [{value:'a@x.io', display:'A', primary:false}]; expected primary: true on that element.
  it.each(DIALECTS)(
    'makes the element just added with primary: true the one primary element (%s)',
    (dialect) => {
      fc.assert(
        fc.property(userArb, emailArb, (user, email) => {
          const added = { ...email, primary: true }
          const result = expectResult(
            patchChecked(
              user,
              patchRequest({ op: 'add', path: 'emails', value: [added] }),
              userOptions(dialect),
            ),
          )
          const emails = result.resource.emails as readonly { value: string; primary?: boolean }[]
          const primaries = emails.filter((e) => e.primary === true)
          expect(primaries.map((e) => e.value.toLowerCase())).toEqual([added.value.toLowerCase()])
        }),
        { numRuns: RUNS },
      )
    },
  )
})

// ---- 3. (again) the prototypes after everything -----------------------------------------------------

describe('prototypes after every run above', () => {
  it('are as they were when the file started', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES.object)
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(PROTOTYPE_NAMES.array)
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(PROTOTYPE_NAMES.function)
  })
})
