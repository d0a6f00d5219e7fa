// The name indexes of one MemoryUserStore tenant: folded userName and email, externalId of visible and hidden users, and the uniqueness rules over them.
import { configError, uniquenessConflict } from '../errors'
import { isObject } from '../json'
import { foldCase } from '../schema/fold'

/** Whether userNames and emails share one uniqueness namespace (see `MemoryUserStoreOptions`). */
export type UserNameEmailNamespace = 'shared' | 'separate'

/** The MemoryUserStore option that chooses the namespace. */
export const NAMESPACE_OPTION = 'userNameEmailNamespace'

/** True unless `options` asks for `'separate'`; `TypeError` on any other value but `'shared'`. */
export function readSharedNamespace(options: unknown): boolean {
  const namespace = isObject(options) ? options[NAMESPACE_OPTION] : undefined
  if (namespace !== undefined && namespace !== 'shared' && namespace !== 'separate') {
    throw configError(
      'ERR_INVALID_OPTION',
      `MemoryUserStore "${NAMESPACE_OPTION}" must be 'shared' or 'separate'`,
    )
  }
  return namespace !== 'separate'
}

/** The names of one user, as the index reads them. */
export interface UserNames {
  readonly id: string
  readonly userName: string
  readonly externalId?: string
  readonly email?: string
  readonly hidden: boolean
}

/**
 * One tenant's name indexes. Visible users hold their folded (`foldCase`) userName and email and their
 * exact externalId; hidden users hold none of them (RFC 7644 §3.6 leaves deleted resources out of
 * conflicts) but are still found by externalId, so that a deprovisioned person's next SAML login is
 * refused rather than taken for a new one. Every look-up is one map read.
 */
export class UserNameIndex {
  readonly #shared: boolean
  /** Folded userName → id. */
  readonly #byUserName = new Map<string, string>()
  /** Folded email → id: an email signs in one user only, as in Grafana. */
  readonly #byEmail = new Map<string, string>()
  /** externalId → id, case-sensitively (an opaque, case-exact string). Visible users only. */
  readonly #byExternalId = new Map<string, string>()
  /** externalId → ids of hidden users holding it. */
  readonly #hiddenByExternalId = new Map<string, Set<string>>()

  /** `shared`: a userName also collides with emails, and an email with userNames. */
  constructor(shared: boolean) {
    this.#shared = shared
  }

  /**
   * Throws the conflict a write of these names would cause, ignoring the user `self` (an update). With
   * the shared namespace, a userName is also checked against emails and an email against userNames.
   */
  checkUnique(values: Omit<UserNames, 'id' | 'hidden'>, self?: string): void {
    const taken = (owner: string | undefined) => owner !== undefined && owner !== self
    const name = foldCase(values.userName)
    if (taken(this.#byUserName.get(name))) throw uniquenessConflict('userName')
    if (this.#shared && taken(this.#byEmail.get(name))) throw uniquenessConflict('userName')
    if (values.externalId !== undefined && taken(this.#byExternalId.get(values.externalId))) {
      throw uniquenessConflict('externalId')
    }
    if (values.email !== undefined) {
      const email = foldCase(values.email)
      // An email that is the userName (as it often is) was checked just above, in the shared namespace.
      if (this.#shared && email === name) return
      if (taken(this.#byEmail.get(email))) throw uniquenessConflict('emails')
      if (this.#shared && taken(this.#byUserName.get(email))) throw uniquenessConflict('emails')
    }
  }

  /** Indexes a user's names (a hidden user's externalId only, apart). */
  add(user: UserNames): void {
    if (user.hidden) {
      if (user.externalId === undefined) return
      let ids = this.#hiddenByExternalId.get(user.externalId)
      if (!ids) {
        ids = new Set()
        this.#hiddenByExternalId.set(user.externalId, ids)
      }
      ids.add(user.id)
      return
    }
    this.#byUserName.set(foldCase(user.userName), user.id)
    if (user.externalId !== undefined) this.#byExternalId.set(user.externalId, user.id)
    if (user.email !== undefined) this.#byEmail.set(foldCase(user.email), user.id)
  }

  /** Removes what `add` indexed for this user (entries another user holds stay). */
  remove(user: UserNames): void {
    const name = foldCase(user.userName)
    if (this.#byUserName.get(name) === user.id) this.#byUserName.delete(name)
    if (user.email !== undefined) {
      const email = foldCase(user.email)
      if (this.#byEmail.get(email) === user.id) this.#byEmail.delete(email)
    }
    if (user.externalId !== undefined) {
      if (this.#byExternalId.get(user.externalId) === user.id) this.#byExternalId.delete(user.externalId)
      const hidden = this.#hiddenByExternalId.get(user.externalId)
      if (hidden?.delete(user.id) && hidden.size === 0) this.#hiddenByExternalId.delete(user.externalId)
    }
  }

  /** The visible user with this userName (case-insensitively). */
  byUserName(userName: string): string | undefined {
    return this.#byUserName.get(foldCase(userName))
  }

  /** The visible user with this email (case-insensitively). */
  byEmail(email: string): string | undefined {
    return this.#byEmail.get(foldCase(email))
  }

  /** The visible user with this externalId (exactly). */
  byExternalId(externalId: string): string | undefined {
    return this.#byExternalId.get(externalId)
  }

  /** Every user with this externalId (exactly): the visible one first, then the hidden ones. */
  allByExternalId(externalId: string): string[] {
    const visible = this.#byExternalId.get(externalId)
    return [...(visible === undefined ? [] : [visible]), ...(this.#hiddenByExternalId.get(externalId) ?? [])]
  }

  /**
   * The visible users a create with these names would collide with: by userName and by email, and,
   * with the shared namespace, the user whose email is `userName` and the one whose userName is `email`.
   */
  collisions(userName: string, email: string | undefined): string[] {
    const ids = new Set<string>()
    const add = (id: string | undefined) => {
      if (id !== undefined) ids.add(id)
    }
    const name = foldCase(userName)
    add(this.#byUserName.get(name))
    if (this.#shared) add(this.#byEmail.get(name))
    if (email !== undefined && email !== '') {
      const folded = foldCase(email)
      add(this.#byEmail.get(folded))
      if (this.#shared) add(this.#byUserName.get(folded))
    }
    return [...ids]
  }
}
