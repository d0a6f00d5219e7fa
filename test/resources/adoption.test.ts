// Unit tests of adoption (lib/resources/adoption.ts) against a stub store: what a POST writes onto the local user it adopts.
import { userFieldsOf } from '../../lib/representation/resources'
import { createOrAdopt } from '../../lib/resources/adoption'
import type { ScimRequest } from '../../lib/resources/request'

/** A POST without `active` adopting a local user whose store answers `active` as given. */
async function adoptLocal(active: unknown): Promise<{ written: unknown[]; revoked: string[] }> {
  const local = {
    id: 'L1',
    version: 'v1',
    created: new Date(0),
    lastModified: new Date(0),
    provisioned: false,
    userName: 'jit',
    active,
    document: { userName: 'jit' },
  }
  const written: unknown[] = []
  const revoked: string[] = []
  const users = {
    findByUserNameOrEmail: async () => [local],
    list: async () => ({ totalResults: 0, resources: [] }),
    update: async (_id: string, fields: { active: unknown }) => {
      written.push(fields.active)
      return { ...local, ...fields, version: `v${written.length + 1}` }
    },
  }
  const request = { stores: { users, isProtectedUser: async () => false } } as unknown as ScimRequest
  await createOrAdopt(request, userFieldsOf({ userName: 'jit' }), false, async (id) => {
    revoked.push(id)
  })
  return { written, revoked }
}

describe('createOrAdopt', () => {
  it('keeps an adopted local user as the host left it when the POST does not say active', async () => {
    expect(await adoptLocal(true)).toEqual({ written: [true], revoked: [] })
    expect(await adoptLocal(false)).toEqual({ written: [false], revoked: ['L1'] })
  })

  // A store outside the contract (a nullable column) answers something else: the user stays disabled,
  // its sessions revoked. A truthy answer is first written as disabled, as a user the POST disables is.
  it.each([null, undefined])('keeps a local user disabled whose store answers active: %p', async (active) => {
    expect(await adoptLocal(active)).toEqual({ written: [false], revoked: ['L1'] })
  })

  it.each(['yes', 1])('disables a local user whose store answers active: %p', async (active) => {
    expect(await adoptLocal(active)).toEqual({ written: [false, false], revoked: ['L1'] })
  })
})
