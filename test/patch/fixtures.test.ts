// Replays every PATCH request in test/fixtures/patch (Entra ID, Okta, RFC 7644 examples) in one table.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isScimError } from '../../lib/errors'
import { applyPatch } from '../../lib/patch/apply'
import type { MemberChanges, PatchRequest } from '../../types/patch'

interface Fixture {
  readonly description: string
  readonly source: string
  readonly resourceType: 'User' | 'Group'
  readonly before: Record<string, unknown>
  readonly request: PatchRequest
  readonly after?: Record<string, unknown>
  readonly error?: { readonly status: number; readonly scimType?: string }
  readonly memberDelta?: {
    readonly added?: string[]
    readonly removed?: string[]
    readonly replaced?: string[]
  }
}

const root = join(__dirname, '..', 'fixtures', 'patch')
const fixtures: [string, Fixture][] = readdirSync(root).flatMap((dialect) =>
  readdirSync(join(root, dialect))
    .filter((file) => file.endsWith('.json'))
    .map((file): [string, Fixture] => [
      `${dialect}/${file}`,
      JSON.parse(readFileSync(join(root, dialect, file), 'utf8')),
    ]),
)

/** The member ids a store ends up with when it applies `changes` to `before`. */
function applyMemberChanges(before: readonly string[], changes: MemberChanges): string[] {
  if (changes.kind === 'replace') return changes.members.map((m) => m.value).sort()
  const ids = new Set(before)
  for (const member of changes.added) ids.add(member.value)
  for (const id of changes.removed) ids.delete(id)
  return [...ids].sort()
}

const memberIds = (resource: Record<string, unknown>) =>
  ((resource.members as { value: string }[] | undefined) ?? []).map((m) => m.value).sort()

describe('PATCH fixtures', () => {
  it('has fixtures from every source', () => {
    expect(new Set(fixtures.map(([name]) => name.split('/')[0]))).toEqual(new Set(['entra', 'okta', 'rfc']))
  })

  it.each(fixtures)('%s', (_name, fixture) => {
    const before = structuredClone(fixture.before)
    const run = () => applyPatch(fixture.before, fixture.request, { resourceType: fixture.resourceType })
    if (fixture.error) {
      let thrown: unknown
      try {
        run()
      } catch (error) {
        thrown = error
      }
      expect(isScimError(thrown)).toBe(true)
      expect(thrown).toMatchObject({ status: fixture.error.status, scimType: fixture.error.scimType })
      expect(fixture.before).toEqual(before)
      return
    }
    const result = run()
    expect(result.resource).toEqual(fixture.after)
    expect(fixture.before).toEqual(before)
    if (fixture.resourceType !== 'Group' || !fixture.memberDelta) return
    // The store's view: the same request without the member list gives changes that lead to the same members.
    const { members: _members, ...withoutMembers } = fixture.before
    const deferred = applyPatch(withoutMembers, fixture.request, {
      resourceType: 'Group',
      membersLoaded: false,
    })
    const expected = fixture.memberDelta
    if (expected.replaced) {
      expect(deferred.memberChanges).toEqual({ kind: 'replace', members: expect.any(Array) })
      expect(
        (deferred.memberChanges as Extract<MemberChanges, { kind: 'replace' }>).members.map((m) => m.value),
      ).toEqual(expected.replaced)
    } else {
      expect(deferred.memberChanges?.kind).toBe('delta')
      const delta = deferred.memberChanges as Extract<MemberChanges, { kind: 'delta' }>
      expect(delta.added.map((m) => m.value)).toEqual(expected.added ?? [])
      expect(delta.removed).toEqual(expected.removed ?? [])
    }
    expect(applyMemberChanges(memberIds(fixture.before), deferred.memberChanges!)).toEqual(
      memberIds(result.resource),
    )
  })
})
