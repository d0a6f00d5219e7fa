// PATCH benchmark: applyPatch against scim-patch on users and on groups of 1,000 and 100,000 members.
import { type ScimPatchOperation, scimPatch } from 'scim-patch'
import type { PatchOperation } from '../types/patch'
import { measurePairs, printPairs } from './harness'
import { library } from './library'

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

function user() {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: '2819c223-7f76-453a-919d-413861904646',
    userName: 'bjensen@example.com',
    displayName: 'Babs Jensen',
    title: 'Tour Guide',
    active: true,
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    meta: { resourceType: 'User' },
  }
}

function group(size: number) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: `Team of ${size}`,
    members: Array.from({ length: size }, (_, i) => ({ value: `member-${i}` })),
    meta: { resourceType: 'Group' },
  }
}

/** Runs the PATCH benchmark and prints its tables. */
export async function runPatchBench(): Promise<void> {
  const { createPatcher } = library
  const patchUser = createPatcher({ resourceType: 'User' })
  // How the router patches groups: members stay in the store; PATCH yields the delta for TeamStore.
  const patchGroup = createPatcher({ resourceType: 'Group', membersLoaded: false })
  // scim-patch mutates its input by default; applyPatch never does, so the peer runs with the same guarantee.
  const peer = (resource: object, operations: PatchOperation[]) =>
    scimPatch(resource as never, operations as ScimPatchOperation[], {
      mutateDocument: false,
      treatMissingAsAdd: true,
    })

  const single: PatchOperation[] = [{ op: 'replace', path: 'displayName', value: 'Barbara Jensen' }]
  const pathLess: PatchOperation[] = [
    {
      op: 'replace',
      value: { displayName: 'B. Jensen', title: 'Lead Guide', active: false, name: { givenName: 'Babs' } },
    },
  ]
  const target = user()
  const userPairs = [
    ['single replace on a user', single],
    ['path-less multi-attribute replace', pathLess],
  ].map(([name, operations]) => ({
    name: name as string,
    batch: 20,
    ours: () => {
      let last: unknown
      for (let i = 0; i < 20; i++)
        last = patchUser(target, { schemas: [PATCH_OP], Operations: operations as PatchOperation[] })
      return last
    },
    baseline: () => {
      let last: unknown
      for (let i = 0; i < 20; i++) last = peer(target, operations as PatchOperation[])
      return last
    },
  }))
  printPairs(
    'PATCH on a user (ops/s = requests applied per second)',
    'scim-patch',
    await measurePairs(userPairs),
    2,
  )

  const addOne: PatchOperation[] = [{ op: 'add', path: 'members', value: [{ value: 'new-member' }] }]
  const removeOne: PatchOperation[] = [{ op: 'remove', path: 'members[value eq "member-500"]' }]
  const memberPairs = [1_000, 100_000].flatMap((size) => {
    const full = group(size)
    const { members: _members, ...withoutMembers } = full
    return [
      ['add 1 member', addOne],
      ['remove 1 member by filter', removeOne],
    ].map(([name, operations]) => ({
      name: `${name} (${size.toLocaleString('en-US')} members)`,
      ours: () =>
        patchGroup(withoutMembers, { schemas: [PATCH_OP], Operations: operations as PatchOperation[] }),
      baseline: () => peer(full, operations as PatchOperation[]),
    }))
  })
  const members = await measurePairs(memberPairs)
  printPairs('PATCH on a group (ops/s = requests applied per second)', 'scim-patch', members, 2)
  const byName = new Map(members.map((r) => [r.name, r]))
  for (const name of ['add 1 member', 'remove 1 member by filter']) {
    const small = byName.get(`${name} (1,000 members)`)!
    const large = byName.get(`${name} (100,000 members)`)!
    const growth = small.oursOps / large.oursOps
    const peerGrowth = small.baselineOps / large.baselineOps
    console.log(
      `${name}: 100,000 members cost ${growth.toFixed(2)}x of 1,000 (target <= 1.5x: ${growth <= 1.5 ? 'meets' : 'BELOW'}); scim-patch ${peerGrowth.toFixed(0)}x`,
    )
  }
}
