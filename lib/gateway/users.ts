// The UserStore and SessionRevoker as operations reach them: bound to one request's context, traced, checked, with a memo of reads by id.
import type {
  KeysetPage,
  KeysetQuery,
  ListPage,
  ListQuery,
  NewUser,
  RequestContext,
  RevocationReason,
  SessionRevoker,
  StoredUser,
  UserFields,
  UserStore,
} from '../../types/stores'
import { checkKeysetPage, checkPage, checkRecord, hostCall, ReadMemo, type StoreCallTracer } from './call'

/** A read's check, made once rather than a closure per read. */
const checkedUserRead = (user: StoredUser | undefined | null) => checkRecord(user, 'userStore.get', true)

/**
 * One request's view of the host's users. `get` is remembered until the request writes a user (any
 * write, also one that fails, forgets every read), so a compare-and-swap that lost its race always
 * reads again from the store.
 */
export class RequestUsers {
  readonly #reads = new ReadMemo<StoredUser | undefined>()

  constructor(
    private readonly store: UserStore,
    private readonly context: RequestContext,
    private readonly tracer: StoreCallTracer,
  ) {}

  #call<T, R = T>(
    name: string,
    call: () => T | PromiseLike<T>,
    check?: (value: T) => R,
    failed?: (error: unknown) => never,
  ): Promise<R> {
    return hostCall(this.tracer, `userStore.${name}`, this.context.requestId, call, check, failed)
  }

  /** Runs a write, forgetting every remembered read first. */
  #write<T, R = T>(name: string, call: () => T | PromiseLike<T>, check?: (value: T) => R): Promise<R> {
    this.#reads.clear()
    return this.#call(name, call, check)
  }

  /** The user with this id, or undefined. */
  get(id: string): Promise<StoredUser | undefined> {
    // One `then` for the check, the failure and the memo: a read costs one promise more than the store's call.
    return this.#reads.read(id, (forget) =>
      this.#call('get', () => this.store.get(id, this.context), checkedUserRead, forget),
    )
  }

  /**
   * The user with this id, read without remembering it: for checks over many ids (a group's members),
   * whose reads would otherwise all stay in memory until the request ends.
   */
  async peek(id: string): Promise<StoredUser | undefined> {
    const remembered = this.#reads.peek(id)
    if (remembered) return remembered
    const user = await this.#call('get', () => this.store.get(id, this.context))
    return checkRecord(user, 'userStore.get', true)
  }

  /** One page of users. */
  list(query: ListQuery): Promise<ListPage<StoredUser>> {
    // Not async: the call's own promise and one `then`, no async frame on every list.
    return this.#call(
      'list',
      () => this.store.list(query, this.context),
      (page) => checkPage<StoredUser>(page, query.count, 'userStore.list()'),
    )
  }

  /** True when the store pages by position (`listAfter`): cursor paging of users is possible. */
  get pagesAfter(): boolean {
    return typeof this.store.listAfter === 'function'
  }

  /** One page after a position (only when `pagesAfter`). */
  async listAfter(query: KeysetQuery): Promise<KeysetPage<StoredUser>> {
    const page = await this.#call('listAfter', () => this.store.listAfter!(query, this.context))
    return checkKeysetPage<StoredUser>(page, query.count, 'userStore.listAfter()')
  }

  /** Creates a user; a taken name is the store's `uniquenessConflict()`. */
  create(user: NewUser): Promise<StoredUser> {
    return this.#write(
      'create',
      () => this.store.create(user, this.context),
      (created) => checkRecord(created, 'userStore.create', false)!,
    )
  }

  /** Writes `fields` if the user is still at `expectedVersion`; undefined when it is gone. */
  update(id: string, fields: UserFields, expectedVersion: string): Promise<StoredUser | undefined> {
    return this.#write(
      'update',
      () => this.store.update(id, fields, expectedVersion, this.context),
      (updated) => checkRecord(updated, 'userStore.update', true),
    )
  }

  /** Deletes the user; false when it was not there. */
  delete(id: string): Promise<boolean> {
    return this.#write('delete', () => this.store.delete(id, this.context))
  }

  /** True when the store answers `findExisting` in one call. */
  get findsExisting(): boolean {
    return this.store.findExisting !== undefined
  }

  /** The ids among `ids` that name users of the tenant (the store's `findExisting`). */
  async findExisting(ids: readonly string[]): Promise<Set<string>> {
    const found = await this.#call('findExisting', () => this.store.findExisting!(ids, this.context))
    return new Set(found)
  }

  /** The users holding `userName` or `email` (the store's `findByUserNameOrEmail`, for adoption). */
  async findByUserNameOrEmail(userName: string, email: string | undefined): Promise<readonly StoredUser[]> {
    const found = await this.#call('findByUserNameOrEmail', () =>
      this.store.findByUserNameOrEmail!(userName, email, this.context),
    )
    if (!Array.isArray(found))
      throw new Error('express-scim: userStore.findByUserNameOrEmail must return a list')
    return found
  }
}

/** Ends every session of a user (idempotent), through the host's SessionRevoker. */
export function revokeUserSessions(
  revoker: SessionRevoker,
  tracer: StoreCallTracer,
  context: RequestContext,
  userId: string,
  reason: RevocationReason,
): Promise<void> {
  return hostCall(tracer, 'sessionRevoker.revokeUserSessions', context.requestId, () =>
    revoker.revokeUserSessions(userId, reason, context),
  )
}
