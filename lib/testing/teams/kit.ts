// What each TeamStore contract test gets: the store (observed), both contexts, the member ids of the
// setup, and helpers that build teams the way the router writes them and read members back.
import type { Awaitable, NewTeam, RequestContext, StoredTeam, TeamStore } from '../../../types/stores'
import { GROUP_SCHEMA } from '../../schema/core'
import type { Observed } from '../observed'
import { type Probe, probe } from '../probe'
import {
  resolveContexts,
  type StoreContractOptions,
  TEAM_CONTRACT_USER_COUNT,
  type TeamStoreContractNeeds,
  type TeamStoreContractSetup,
} from '../setup'
import { listQuery, type PageOptions, refs } from '../shared'
import type { OpenedKit } from '../suite'

/** A new team as the router would write it: named fields and the matching SCIM document. */
export function newTeam(displayName: string, externalId?: string): NewTeam {
  const document: Record<string, unknown> = { schemas: [GROUP_SCHEMA], displayName }
  if (externalId !== undefined) document.externalId = externalId
  return externalId === undefined
    ? { provisioned: true, displayName, document }
    : { provisioned: true, displayName, externalId, document }
}

/** The store, its contexts, the member ids and helpers, fresh for each test. */
export interface TeamKit {
  /** The store as the setup gave it: to see which optional methods it has. */
  readonly raw: TeamStore
  /** The store, each call observed and described for failure messages. */
  readonly store: Probe<TeamStore>
  /** The context of the calls. */
  readonly context: RequestContext
  /** A context of another tenant. */
  readonly other: RequestContext
  /** The setup's user ids: `TEAM_CONTRACT_USER_COUNT` of them, distinct. */
  readonly users: readonly string[]
  /** The `i`th user id of the setup. */
  readonly user: (i: number) => string
  /** Creates a team in the context's tenant; the test fails (naming the call) when the store refuses. */
  readonly create: (
    displayName: string,
    memberIds?: readonly string[],
    externalId?: string,
  ) => Promise<StoredTeam>
  /** The member ids of a team in listing order (all on one page); undefined for an unknown team. */
  readonly memberIds: (id: string, context?: RequestContext) => Promise<Observed<string[] | undefined>>
  /** The member ids of a team, sorted. */
  readonly sortedMembers: (id: string) => Promise<Observed<string[] | undefined>>
  /** The displayNames of `store.list`'s page in the context's tenant. */
  readonly names: (filter?: string, page?: PageOptions) => Promise<Observed<string[]>>
  /** The version `store.get` reads. */
  readonly versionOf: (id: string) => Promise<Observed<string | undefined>>
}

function userPicker(users: readonly string[]): (i: number) => string {
  return (i) => {
    const id = users[i]
    if (id === undefined) {
      throw new Error(`the setup gave ${users.length} users; the suite needs ${TEAM_CONTRACT_USER_COUNT}`)
    }
    return id
  }
}

function kitOf(setup: TeamStoreContractSetup, options: StoreContractOptions): TeamKit {
  const { context, other } = resolveContexts(setup, options)
  const users = [...setup.users]
  if (new Set(users).size < TEAM_CONTRACT_USER_COUNT) {
    throw new Error(`the setup must give ${TEAM_CONTRACT_USER_COUNT} distinct user ids`)
  }
  const store = probe(setup.store)
  const memberIds = async (id: string, where = context) =>
    (await store.listMembers(id, { startIndex: 1, count: 10_000 }, where)).map(' member ids', (page) =>
      page ? page.resources.map((m) => m.value) : undefined,
    )
  return {
    raw: setup.store,
    store,
    context,
    other,
    users,
    user: userPicker(users),
    create: async (displayName, ids = [], externalId) =>
      (await store.create(newTeam(displayName, externalId), refs(ids), context)).value,
    memberIds,
    sortedMembers: async (id) => (await memberIds(id)).map(', sorted', (ids) => ids?.sort()),
    names: async (filter, page) =>
      (await store.list(listQuery(filter, page), context)).map(' displayNames', (p) =>
        p.resources.map((t) => t.displayName),
      ),
    versionOf: async (id) => (await store.get(id, context)).get('version'),
  }
}

/** Runs the host's setup (asking for `TEAM_CONTRACT_USER_COUNT` users) and builds the kit of one test. */
export async function openTeamKit(
  setup: (needs: TeamStoreContractNeeds) => Awaitable<TeamStoreContractSetup>,
  options: StoreContractOptions,
): Promise<OpenedKit<TeamKit>> {
  const result = await setup({ userCount: TEAM_CONTRACT_USER_COUNT })
  const close = () => result.teardown?.()
  try {
    return { kit: kitOf(result, options), close }
  } catch (error) {
    await close()
    throw error
  }
}
