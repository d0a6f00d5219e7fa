// Memory benchmark: the heap 100,000 users retain in MemoryUserStore against the same records in a bare Map.
//
// Each measurement runs in its own child process (this file, forked with `--measure <name>` and
// `--expose-gc`): one heap per measurement, so neither side's garbage, JIT code or heap growth is counted
// against the other, and `global.gc()` can settle the heap before and after seeding.
import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import type * as Library from '../lib'

const MEASUREMENTS = ['express-scim', 'bare', 'bare-cons-ids'] as const
type MeasurementName = (typeof MEASUREMENTS)[number]

const USER_COUNT = 100_000
/** The target: the memory store may hold at most this many times what the bare Map holds. */
const TARGET = 1.3
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

type Json = Record<string, unknown>

/** The router's fields for one user (`userFieldsOf` in lib/representation/resources.ts). */
interface Fields {
  readonly userName: string
  readonly externalId: string
  readonly displayName: string
  readonly email: string
  readonly active: true
  readonly document: Json
}

/** A plain deep copy, as the router's `documentCopy` makes the document it hands the store. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy)
  if (typeof value !== 'object' || value === null) return value
  const out: Json = {}
  for (const key of Object.keys(value)) out[key] = copy((value as Json)[key])
  return out
}

/**
 * User `i` as the router passes it to `userStore.create` after an Entra ID POST: the body is parsed
 * from JSON (so every string is fresh, as off the wire), the store's document is a copy of it, and the
 * named fields share the body's strings. Entra sends a mixed-case UPN as userName, so folding it for
 * the index makes a new string, on both sides alike.
 */
function entraUser(i: number): Fields {
  const given = `Adele${i}`
  const family = `Vance${i}`
  const body = JSON.parse(
    JSON.stringify({
      schemas: [USER_SCHEMA],
      externalId: randomUUID(),
      userName: `${given}.${family}@Contoso.onmicrosoft.com`,
      active: true,
      displayName: `${given} ${family}`,
      name: { givenName: given, familyName: family },
      emails: [{ value: `${given}.${family}@contoso.com`, type: 'work', primary: true }],
    }),
  ) as Json
  const emails = body.emails as Json[]
  return {
    userName: body.userName as string,
    externalId: body.externalId as string,
    displayName: body.displayName as string,
    email: emails[0]!.value as string,
    active: true,
    document: copy(body) as Json,
  }
}

/** What a careful hand-written store keeps per user: the named fields, the document, timestamps, a version. */
interface BareRecord {
  readonly id: string
  readonly userName: string
  readonly externalId: string
  readonly active: boolean
  readonly email: string
  readonly document: Json
  readonly created: Date
  readonly lastModified: Date
  readonly version: number
}

/**
 * A random UUID as one flat string. Node builds `randomUUID()` by concatenation, and V8 keeps the result
 * as a tree of about 14 cons strings (some 450 bytes) until something flattens it; `toLowerCase()`
 * flattens it (a UUID has nothing to lower), as MemoryUserStore does with its ids.
 */
const flatUuid = () => randomUUID().toLowerCase()

/**
 * The baseline: records in a Map by id, and the indexes the router's look-ups need (lower-cased
 * userName and email, exact externalId, as MemoryUserStore indexes them). The document is kept as the
 * router gave it, not copied: a host's own store trusts its caller.
 */
class BareUserStore {
  /** `newId`: flat ids by default, the same strings the memory store keeps. */
  constructor(readonly newId: () => string = flatUuid) {}
  readonly byId = new Map<string, BareRecord>()
  readonly byUserName = new Map<string, string>()
  readonly byExternalId = new Map<string, string>()
  readonly byEmail = new Map<string, string>()

  create(fields: Fields): BareRecord {
    const now = new Date()
    const record: BareRecord = {
      id: this.newId(),
      userName: fields.userName,
      externalId: fields.externalId,
      active: fields.active,
      email: fields.email,
      document: fields.document,
      created: now,
      lastModified: now,
      version: 1,
    }
    this.byId.set(record.id, record)
    this.byUserName.set(record.userName.toLowerCase(), record.id)
    this.byExternalId.set(record.externalId, record.id)
    this.byEmail.set(record.email.toLowerCase(), record.id)
    return record
  }
}

/** The heap in use once garbage is collected: twice, so that objects freed by finalisers go too. */
function settledHeap(): number {
  const gc = globalThis.gc
  if (!gc) throw new Error('bench/memory.ts measures in children started with --expose-gc')
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Seeds one store in this process and returns the bytes it retains: settled heap after minus before. */
async function measure(name: MeasurementName): Promise<number> {
  let store: { create(fields: Fields): unknown }
  if (name === 'express-scim') {
    const { library }: { library: typeof Library } = require('./library')
    const memory = new library.MemoryUserStore()
    const context = { tenant: 'bench', principal: { tenant: 'bench' }, requestId: 'seed' }
    store = { create: (fields) => memory.create({ ...fields, provisioned: true }, context) }
  } else store = name === 'bare' ? new BareUserStore() : new BareUserStore(randomUUID)
  const before = settledHeap()
  for (let i = 0; i < USER_COUNT; i++) await store.create(entraUser(i))
  const after = settledHeap()
  // Keeps the store reachable until after the measurement.
  if (store === undefined) throw new Error('unreachable')
  return after - before
}

function measureInChild(name: MeasurementName): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--measure', name], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let bytes: number | undefined
    child.on('message', (message: { readonly bytes: number }) => {
      bytes = message.bytes
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      bytes === undefined ? reject(new Error(`${name} measurement exited (code ${code})`)) : resolve(bytes),
    )
  })
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!
const formatBytes = (bytes: number) => Math.round(bytes).toLocaleString('en-US')

/**
 * Runs the memory benchmark: each side seeded in its own child, `BENCH_MEMORY_ROUNDS` times (default 1;
 * a settled heap hardly varies between runs), and prints bytes per user, the median of the rounds.
 */
export async function runMemoryBench(): Promise<void> {
  const rounds = Math.max(1, Number(process.env.BENCH_MEMORY_ROUNDS ?? 1))
  console.log(
    `\nMemory (retained heap after gc, ${USER_COUNT.toLocaleString('en-US')} Entra-shaped users, ` +
      `each side in its own process, ${rounds} round${rounds === 1 ? '' : 's'}, median)`,
  )
  const perUser = new Map<MeasurementName, number>()
  for (const name of MEASUREMENTS) {
    const runs: number[] = []
    // One child at a time: seeding is CPU work, and the machine is shared.
    for (let round = 0; round < rounds; round++) runs.push(await measureInChild(name))
    perUser.set(name, median(runs) / USER_COUNT)
  }
  const ours = perUser.get('express-scim')!
  const bare = perUser.get('bare')!
  const label = (name: string) => `  ${name.padEnd(62)}`
  console.log(`${label('MemoryUserStore')}${formatBytes(ours).padStart(9)} bytes/user`)
  console.log(
    `${label('bare Map + userName/externalId/email indexes')}${formatBytes(bare).padStart(9)} bytes/user`,
  )
  // The target compares like with like (flat ids on both sides); this line shows what a host storing
  // `randomUUID()` as it comes pays for its ids alone.
  console.log(
    `${label('  the same, ids as randomUUID() returns them (cons strings)')}` +
      `${formatBytes(perUser.get('bare-cons-ids')!).padStart(9)} bytes/user`,
  )
  const ratio = ours / bare
  console.log('targets:')
  console.log(
    `  ${'memory per user: MemoryUserStore / bare Map'.padEnd(62)} ${`${ratio.toFixed(2)}x`.padStart(9)}  ` +
      `(<= ${TARGET}x)  ${ratio <= TARGET ? 'PASS' : 'MISS'}`,
  )
}

if (require.main === module) {
  const [flag, name] = process.argv.slice(2)
  if (flag === '--measure' && MEASUREMENTS.includes(name as MeasurementName)) {
    measure(name as MeasurementName)
      // Disconnecting lets the child exit: an open IPC channel keeps its event loop alive.
      .then((bytes) => process.send?.({ bytes }, () => process.disconnect()))
      .catch((error: unknown) => {
        console.error(error)
        process.exitCode = 1
      })
  } else {
    runMemoryBench().catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
  }
}
