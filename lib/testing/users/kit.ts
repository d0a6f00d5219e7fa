// What each UserStore contract test gets: the store (observed), both contexts, and helpers that build
// users the way the router writes them.
import type {
  Awaitable,
  ListPage,
  NewUser,
  RequestContext,
  StoredUser,
  UserFields,
  UserStore,
} from '../../../types/stores'
import { USER_SCHEMA } from '../../schema/core'
import { type Observed, observe } from '../observed'
import { argumentText, type Probe, probe } from '../probe'
import {
  type LocalUserSpec,
  resolveContexts,
  type StoreContractOptions,
  type UserStoreContractSetup,
} from '../setup'
import { listQuery, type PageOptions } from '../shared'
import type { OpenedKit } from '../suite'

/** The optional fields of a test user. */
export interface UserSpec {
  readonly externalId?: string
  readonly displayName?: string
  readonly email?: string
  readonly active?: boolean
  readonly hidden?: boolean
  readonly password?: string
}

/** A new user as the router would write it: named fields and the matching SCIM document. */
export function newUser(userName: string, spec: UserSpec = {}): NewUser {
  const active = spec.active ?? true
  const document: Record<string, unknown> = { schemas: [USER_SCHEMA], userName, active }
  if (spec.externalId !== undefined) document.externalId = spec.externalId
  if (spec.displayName !== undefined) document.displayName = spec.displayName
  if (spec.email !== undefined) document.emails = [{ value: spec.email, type: 'work', primary: true }]
  return {
    provisioned: true,
    userName,
    active,
    document,
    ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
    ...(spec.displayName !== undefined ? { displayName: spec.displayName } : {}),
    ...(spec.email !== undefined ? { email: spec.email } : {}),
    ...(spec.hidden !== undefined ? { hidden: spec.hidden } : {}),
    ...(spec.password !== undefined ? { password: spec.password } : {}),
  }
}

/** The fields of a stored user, as `update` takes them (no provisioning mark), with some changed. */
export function fieldsOf(
  user: StoredUser,
  changes: UserSpec & { readonly userName?: string } = {},
): UserFields {
  const { userName = user.userName, ...rest } = changes
  const { provisioned: _, ...fields } = newUser(userName, {
    ...(user.externalId !== undefined ? { externalId: user.externalId } : {}),
    ...(user.displayName !== undefined ? { displayName: user.displayName } : {}),
    ...(user.email !== undefined ? { email: user.email } : {}),
    active: user.active,
    ...rest,
  })
  return fields
}

/** The store, its contexts and helpers, fresh for each test. */
export interface UserKit {
  /** The store as the setup gave it: to see which optional methods it has. */
  readonly raw: UserStore
  /** The store, each call observed and described for failure messages. */
  readonly store: Probe<UserStore>
  /** The context of the calls. */
  readonly context: RequestContext
  /** A context of another tenant. */
  readonly other: RequestContext
  /** The setup's `addLocalUser` in the context's tenant, observed; undefined when the setup has none. */
  readonly addLocalUser: ((user: LocalUserSpec) => Promise<Observed<StoredUser>>) | undefined
  /** Creates a user in the context's tenant; the test fails (naming the call) when the store refuses. */
  readonly create: (userName: string, spec?: UserSpec) => Promise<StoredUser>
  /** `store.list` in the context's tenant. */
  readonly list: (filter?: string, page?: PageOptions) => Promise<Observed<ListPage<StoredUser>>>
  /** The userNames of `list`'s page. */
  readonly names: (filter?: string, page?: PageOptions) => Promise<Observed<string[]>>
}

function localUserAdder(setup: UserStoreContractSetup, context: RequestContext): UserKit['addLocalUser'] {
  const add = setup.addLocalUser
  if (add === undefined) return undefined
  return (user) =>
    observe(`setup.addLocalUser(${argumentText(user)}, ${argumentText(context)})`, () => add(user, context))
}

function kitOf(setup: UserStoreContractSetup, options: StoreContractOptions): UserKit {
  const { context, other } = resolveContexts(setup, options)
  const store = probe(setup.store)
  const list = (filter?: string, page?: PageOptions) => store.list(listQuery(filter, page), context)
  return {
    raw: setup.store,
    store,
    context,
    other,
    addLocalUser: localUserAdder(setup, context),
    create: async (userName, spec) => (await store.create(newUser(userName, spec), context)).value,
    list,
    names: async (filter, page) =>
      (await list(filter, page)).map('.resources names', (p) => p.resources.map((u) => u.userName)),
  }
}

/** Runs the host's setup and builds the kit of one test. */
export async function openUserKit(
  setup: () => Awaitable<UserStoreContractSetup>,
  options: StoreContractOptions,
): Promise<OpenedKit<UserKit>> {
  const result = await setup()
  const close = () => result.teardown?.()
  try {
    return { kit: kitOf(result, options), close }
  } catch (error) {
    await close()
    throw error
  }
}
