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
 * One tenant's name indexes, holding the users themselves (the store's records, replaced in the index
 * whenever the store replaces them), so that a look-up by name needs no second read by id. Visible users
 * hold their folded (`foldCase`) userName and email and their exact externalId; hidden users hold none of
 * them (RFC 7644 §3.6 leaves deleted resources out of conflicts) but are still found by externalId, so
 * that a deprovisioned person's next SAML login is refused rather than taken for a new one.
 *
 * In the shared namespace a folded name belongs to at most one visible user, as userName or as email: one
 * map holds both, so a uniqueness check is one read per name (and a user whose email is its userName holds
 * one entry), and a read by userName or by email checks which of the two the name is for that user.
 */
export class UserNameIndex<User extends UserNames> {
  readonly #shared: boolean
  /** Folded userName → user; in the shared namespace, folded email → user too. */
  readonly #byName = new Map<string, User>()
  /** Folded email → user in the separate namespace (an email signs in one user only, as in Grafana); `#byName` in the shared one. */
  readonly #byEmail: Map<string, User>
  /** externalId → user, case-sensitively (an opaque, case-exact string). Visible users only. */
  readonly #byExternalId = new Map<string, User>()
  /** externalId → ids of hidden users holding it. */
  readonly #hiddenByExternalId = new Map<string, Set<string>>()

  /** `shared`: a userName also collides with emails, and an email with userNames. */
  constructor(shared: boolean) {
    this.#shared = shared
    this.#byEmail = shared ? this.#byName : new Map()
  }

  /**
   * Throws the conflict a write of these names would cause, ignoring the user `self` (an update). With
   * the shared namespace, a userName is also checked against emails and an email against userNames.
   */
  checkUnique(values: Omit<UserNames, 'id' | 'hidden'>, self?: string): void {
    const taken = (owner: User | undefined) => owner !== undefined && owner.id !== self
    const name = foldCase(values.userName)
    // Shared: `#byName` holds the emails too, so this one read checks the userName against both.
    if (taken(this.#byName.get(name))) throw uniquenessConflict('userName')
    if (values.externalId !== undefined && taken(this.#byExternalId.get(values.externalId))) {
      throw uniquenessConflict('externalId')
    }
    if (values.email !== undefined) {
      const email = foldCase(values.email)
      // An email that is the userName (as it often is) was checked just above, in the shared namespace.
      if (this.#shared && email === name) return
      if (taken(this.#byEmail.get(email))) throw uniquenessConflict('emails')
    }
  }

  /** Indexes a user's names (a hidden user's externalId only, apart). */
  add(user: User): void {
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
    const name = foldCase(user.userName)
    this.#byName.set(name, user)
    if (user.externalId !== undefined) this.#byExternalId.set(user.externalId, user)
    if (user.email !== undefined) {
      const email = foldCase(user.email)
      if (!this.#shared || email !== name) this.#byEmail.set(email, user)
    }
  }

  /** Removes what `add` indexed for this user (entries another user holds stay). */
  remove(user: UserNames): void {
    const name = foldCase(user.userName)
    if (this.#byName.get(name)?.id === user.id) this.#byName.delete(name)
    if (user.email !== undefined) {
      const email = foldCase(user.email)
      if (this.#byEmail.get(email)?.id === user.id) this.#byEmail.delete(email)
    }
    if (user.externalId !== undefined) {
      if (this.#byExternalId.get(user.externalId)?.id === user.id) this.#byExternalId.delete(user.externalId)
      const hidden = this.#hiddenByExternalId.get(user.externalId)
      if (hidden?.delete(user.id) && hidden.size === 0) this.#hiddenByExternalId.delete(user.externalId)
    }
  }

  /** The visible user with this userName (case-insensitively). */
  byUserName(userName: string): User | undefined {
    const folded = foldCase(userName)
    const user = this.#byName.get(folded)
    // Shared: the name may be that user's email only. The stored userName is mostly the text asked for.
    if (user === undefined || !this.#shared || user.userName === userName) return user
    return foldCase(user.userName) === folded ? user : undefined
  }

  /** The visible user with this email (case-insensitively). */
  byEmail(email: string): User | undefined {
    const folded = foldCase(email)
    const user = this.#byEmail.get(folded)
    // Shared: the name may be that user's userName only.
    if (user === undefined || !this.#shared || user.email === email) return user
    return user.email !== undefined && foldCase(user.email) === folded ? user : undefined
  }

  /** The visible user with this externalId (exactly). */
  byExternalId(externalId: string): User | undefined {
    return this.#byExternalId.get(externalId)
  }

  /** The ids of every user with this externalId (exactly): the visible one first, then the hidden ones. */
  allByExternalId(externalId: string): string[] {
    const visible = this.#byExternalId.get(externalId)
    return [
      ...(visible === undefined ? [] : [visible.id]),
      ...(this.#hiddenByExternalId.get(externalId) ?? []),
    ]
  }

  /**
   * The visible users a create with these names would collide with: by userName and by email, and,
   * with the shared namespace, the user whose email is `userName` and the one whose userName is `email`.
   */
  collisions(userName: string, email: string | undefined): User[] {
    const users = new Set<User>()
    const add = (user: User | undefined) => {
      if (user !== undefined) users.add(user)
    }
    add(this.#byName.get(foldCase(userName)))
    // Shared: `#byName` is `#byEmail`, holding both kinds of names.
    if (email !== undefined && email !== '') add(this.#byEmail.get(foldCase(email)))
    return [...users]
  }
}
