// Adoption of local users by a SCIM create (`adoptLocalUsers`): who may be adopted, and the compare-and-swap write that does it.
import type { StoredUser, UserFields } from '../../types/stores'
import { isVersionMismatch, uniquenessConflict } from '../errors'
import { attributeEquals } from '../filter/build'
import { newUserOf, userFieldsOf, userResource, withUserFields } from '../representation/resources'
import { backOff } from './compare-and-swap'
import type { ScimRequest } from './request'

/** What a POST /Users did with adoption on. */
export type CreateOutcome =
  | { readonly kind: 'created'; readonly user: StoredUser }
  | {
      readonly kind: 'adopted'
      /** The local user as it was. */
      readonly before: StoredUser
      /** The user after the write: provisioned, with the POST's fields. */
      readonly user: StoredUser
      /** Which of the POST's values found it. */
      readonly matchedOn: readonly ('userName' | 'emails')[]
    }

function sameText(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase()
}

/**
 * The one local user this create may adopt, or undefined when it collides with nobody. Anything else
 * is the 409 a create without adoption would get: a provisioned user is never adopted (it belongs to
 * an IdP identity already), nor two users at once, nor a local user that carries another externalId,
 * nor one the host protects. The detail never says which of these it was.
 */
async function adoptionCandidate(
  request: ScimRequest,
  fields: UserFields,
): Promise<{ user: StoredUser; matchedOn: ('userName' | 'emails')[] } | undefined> {
  const store = request.stores.users
  const found = await store.findByUserNameOrEmail(fields.userName, fields.email)
  const users = [...new Map(found.filter((u) => u && u.hidden !== true).map((u) => [u.id, u])).values()]
  if (users.length === 0) return undefined
  const user = users[0]!
  const matchedOn: ('userName' | 'emails')[] = []
  if (sameText(user.userName, fields.userName)) matchedOn.push('userName')
  if (sameText(user.email, fields.email)) matchedOn.push('emails')
  const conflict = uniquenessConflict(matchedOn[0] ?? 'userName')
  if (users.length > 1 || matchedOn.length === 0 || user.provisioned) throw conflict
  // CVE-2025-41115's lesson: an identity bound to one external id is never rebound to another.
  if (user.externalId !== undefined && user.externalId !== fields.externalId) throw conflict
  if (await request.stores.isProtectedUser(user)) throw conflict
  // The POST's externalId held by a provisioned user would fail the adoption write after the local
  // user was disabled: refuse before anything is written.
  if (fields.externalId !== undefined) {
    const page = await store.list({
      filter: attributeEquals('externalId', fields.externalId),
      sortOrder: 'ascending',
      startIndex: 1,
      count: 1,
    })
    if (page.totalResults > 0 || page.resources.length > 0) throw uniquenessConflict('externalId')
  }
  return { user, matchedOn }
}

/**
 * POST /Users with `adoptLocalUsers` on: creates the user, or adopts the one local user it collides
 * with by writing the POST's fields onto it with `provisioned: true` (compare-and-swap, retried after a
 * lost race like a PATCH). The checks run again on every retry, so a user that became protected or
 * provisioned meanwhile is not adopted. The answer is 201, as for a create: RFC 7644 §3.3 makes a
 * collision a 409, and that stays the default; adoption is the host's explicit, audited exception.
 *
 * `grantsFor` checks what the write does to the user's grants (none held for a new user, the local
 * user's for an adoption) before the first write, and answers the fields to write.
 *
 * When the POST says the user is inactive, the local user is disabled first, then `revoke` ends its
 * sessions, then the adoption is written. A failed revocation leaves the user disabled but still local,
 * so the IdP's retry of the POST finds it again, revokes, and adopts; revoking after the adoption would
 * leave that retry facing a provisioned user (409) with the sessions still alive.
 */
export async function createOrAdopt(
  request: ScimRequest,
  created: UserFields,
  activeGiven: boolean,
  revoke: (userId: string) => Promise<void>,
  grantsFor?: (local: StoredUser | undefined) => Promise<UserFields> | undefined,
): Promise<CreateOutcome> {
  const store = request.stores.users
  for (let attempt = 0; ; attempt++) {
    const candidate = await adoptionCandidate(request, created)
    // Before anything is written, against what the write changes: a new user holds nothing yet, a
    // local user what the host gave it (its protected grants stay).
    const granted = (await grantsFor?.(candidate?.user)) ?? created
    if (!candidate) {
      return {
        kind: 'created',
        user: await store.create(newUserOf(granted)),
      }
    }
    // As with PUT: a POST that does not say `active` never re-enables a user the host disabled.
    // Fail closed: a local user whose store answers anything but `true` stays disabled.
    const fields = activeGiven ? granted : withUserFields(granted, { active: candidate.user.active === true })
    try {
      let target: StoredUser | undefined | null = candidate.user
      if (!fields.active && target.active) {
        const disabled = withUserFields(userFieldsOf(userResource(target)), { active: false })
        target = await store.update(target.id, disabled, target.version)
      }
      if (target) {
        if (!fields.active) await revoke(target.id)
        const adopted = await store.update(target.id, newUserOf(fields), target.version)
        if (adopted)
          return { kind: 'adopted', before: candidate.user, user: adopted, matchedOn: candidate.matchedOn }
      }
    } catch (error) {
      if (!isVersionMismatch(error)) throw error
    }
    // A lost race: wait a jittered moment and read again, or 503 with Retry-After when out of retries.
    await backOff(request, 'user', attempt)
  }
}
