// isUserActive(): the check a host's session middleware runs on each request, closing the race between a SCIM deactivation and a login in flight.
import { randomUUID } from 'node:crypto'
import type { UserStore } from '../../types/stores'

/**
 * True when the user exists in the tenant, is not hidden (deleted with `userDeletion: 'disable'`) and
 * is active. A login that passed its checks just before SCIM deactivated the user creates a session the
 * revocation could not see; running this on each request (or each session refresh) rejects that session
 * on its first use. Store errors propagate: treat them as "not active".
 */
export async function isUserActive(
  userStore: Pick<UserStore, 'get'>,
  tenant: string,
  userId: string,
): Promise<boolean> {
  if (typeof tenant !== 'string' || tenant === '' || typeof userId !== 'string' || userId === '') return false
  const context = { tenant, principal: { tenant, id: 'session-check' }, requestId: randomUUID() }
  const user = await userStore.get(userId, context)
  return Boolean(user) && user!.active === true && user!.hidden !== true
}
