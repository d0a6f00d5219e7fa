// Runs a load test: Entra's initial sync (lookups, creates, groups filled in batches), an incremental cycle, then cleanup.
import { randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { LoadOptions, LoadPhase, LoadReport } from '../../types/load'
import { createdId } from '../check/cleanup'
import { normaliseBaseUrl } from '../check/run'
import { exchange, NoAnswer } from '../check/transport'
import { inPool } from './pool'
import {
  groupCreate,
  groupLookup,
  type LoadRequest,
  memberAdd,
  remove,
  userCreate,
  userDeactivate,
  userLookup,
  userUpdate,
} from './requests'
import { LoadStats } from './stats'

/** Share of users deactivated in the incremental cycle (the rest are updated). */
const DEACTIVATED_SHARE = 0.1

function whole(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const n = value ?? fallback
  if (!Number.isInteger(n) || n < min || n > max)
    throw new TypeError(`${name} must be a whole number from ${min} to ${max}; got ${String(value)}`)
  return n
}

/** The run's sizes, checked; a bad one is a TypeError naming it. */
function planOf(options: LoadOptions) {
  const users = whole('users', options.users, 100, 1, 1_000_000)
  const groups = whole('groups', options.groups, 10, 0, 100_000)
  return {
    users,
    groups,
    members: whole('members', options.members, Math.min(users, 1000), 0, Math.min(users, 1000)),
    concurrency: whole('concurrency', options.concurrency, 4, 1, 256),
    batchSize: whole('batchSize', options.batchSize, 50, 1, 1000),
    keep: options.keep === true,
  }
}

/** Users `from` to `from + count - 1` among the members of group `g`: consecutive users, each group starting elsewhere. */
function membersOf(g: number, from: number, count: number, users: number): number[] {
  const start = (g * 7919 + from) % users
  return Array.from({ length: count }, (_, j) => (start + j) % users)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Simulates an IdP against `options.baseUrl` and measures it. Never throws for what the server does: failed
 * requests are counted by status. Throws a TypeError for bad options.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const baseUrl = normaliseBaseUrl(options.baseUrl)
  const plan = planOf(options)
  const timeoutMs = whole('timeoutMs', options.timeoutMs, 10_000, 1, 600_000)
  if (options.runId !== undefined && !/^\d{1,20}$/.test(options.runId))
    throw new TypeError('runId must be 1 to 20 digits')
  const run = options.runId ?? String(randomInt(1_000_000_000, 10_000_000_000))
  const { signal } = options
  const stats = new LoadStats()
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/scim+json' }
  const progress = (phase: LoadPhase, done: number, total: number) => {
    try {
      options.onProgress?.({ phase, done, total })
    } catch {
      // A progress display that breaks must not break the run.
    }
  }

  /** Creates that succeeded without an id the run can address: nothing can delete them. */
  let unaddressable = 0

  /**
   * Sends one request and records it once. Answers the new resource's id for a create, `true` for any other
   * success, `undefined` for a failure. Once the run is stopped, a `stoppable` request is not sent; one
   * already sent is never cut off, because a create in flight may succeed and only its answer says what to
   * delete.
   */
  const send = async (request: LoadRequest, stoppable = true): Promise<string | true | undefined> => {
    if (stoppable && signal?.aborted === true) return undefined
    const started = performance.now()
    let failure: string | undefined
    let outcome: string | true | undefined
    try {
      const answer = await exchange(
        {
          method: request.method,
          url: baseUrl + request.path,
          headers,
          ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        },
        timeoutMs,
      )
      if (!request.ok.includes(answer.status)) failure = String(answer.status)
      else if (request.method !== 'POST') outcome = true
      else {
        outcome = createdId(parseJson(answer.text), answer.headers)
        if (outcome === undefined) {
          failure = 'no usable id'
          unaddressable++
        }
      }
    } catch (error) {
      failure = error instanceof NoAnswer ? error.kind : 'failed'
    }
    stats.record(request.kind, performance.now() - started, failure)
    return failure === undefined ? outcome : undefined
  }
  const idOf = (outcome: string | true | undefined) => (typeof outcome === 'string' ? outcome : undefined)

  const userIds: (string | undefined)[] = new Array(plan.users).fill(undefined)
  const groupIds: (string | undefined)[] = new Array(plan.groups).fill(undefined)
  const syncStarted = performance.now()

  let done = 0
  await inPool(
    userIds,
    plan.concurrency,
    async (_, i) => {
      await send(userLookup(run, i))
      userIds[i] = idOf(await send(userCreate(run, i)))
      progress('users', ++done, plan.users)
    },
    signal,
  )

  done = 0
  await inPool(
    groupIds,
    plan.concurrency,
    async (_, g) => {
      await send(groupLookup(run, g))
      groupIds[g] = idOf(await send(groupCreate(run, g)))
      progress('groups', ++done, plan.groups)
    },
    signal,
  )

  // Batches are made as they are sent, not all at once: groups × members ids would otherwise sit in memory.
  const perGroup = Math.ceil(plan.members / plan.batchSize)
  const batches = plan.groups * perGroup
  done = 0
  await inPool<number>(
    batches,
    plan.concurrency,
    async (index) => {
      const g = Math.floor(index / perGroup)
      const groupId = groupIds[g]
      const from = (index % perGroup) * plan.batchSize
      const count = Math.min(plan.batchSize, plan.members - from)
      const ids = membersOf(g, from, count, plan.users).flatMap((i) => userIds[i] ?? [])
      if (groupId !== undefined && ids.length > 0) await send(memberAdd(groupId, ids))
      progress('members', ++done, batches)
    },
    signal,
  )
  const initialSyncMs = performance.now() - syncStarted

  const cycleStarted = performance.now()
  const deactivateFrom = plan.users - Math.floor(plan.users * DEACTIVATED_SHARE)
  const changes = userIds.flatMap((id, i) => (id === undefined ? [] : [{ id, i }]))
  done = 0
  await inPool(
    changes,
    plan.concurrency,
    async ({ id, i }) => {
      await send(i >= deactivateFrom ? userDeactivate(id) : userUpdate(id, i))
      progress('updates', ++done, changes.length)
    },
    signal,
  )
  const incrementalMs = performance.now() - cycleStarted
  const requests = stats.count()

  // A create without a usable id left something nothing can delete: it counts as a failed cleanup.
  const cleanup = { deleted: 0, failed: unaddressable }
  if (!plan.keep) {
    // Not stopped by the signal: an interrupted run still removes what it made.
    const paths = [
      ...groupIds.flatMap((id) => (id === undefined ? [] : [`/Groups/${encodeURIComponent(id)}`])),
      ...userIds.flatMap((id) => (id === undefined ? [] : [`/Users/${encodeURIComponent(id)}`])),
    ]
    done = 0
    await inPool(paths, plan.concurrency, async (path) => {
      const outcome = await send(remove(path), false)
      if (outcome === undefined) cleanup.failed++
      else cleanup.deleted++
      progress('cleanup', ++done, paths.length)
    })
  }

  const measured = initialSyncMs + incrementalMs
  return {
    baseUrl,
    runId: run,
    plan,
    interrupted: signal?.aborted === true,
    initialSyncMs: Math.round(initialSyncMs),
    incrementalMs: Math.round(incrementalMs),
    requests,
    throughput: measured > 0 ? Math.round((requests / measured) * 1000 * 10) / 10 : 0,
    kinds: stats.kinds(),
    errorsByStatus: stats.errorsByStatus(),
    cleanup,
  }
}
