// The MemoryUserStore's name index: one map for userNames and emails in the shared namespace, reads that tell the two apart.
import { UserNameIndex, type UserNames } from '../../lib/stores/memory-user-names'

const user = (
  id: string,
  userName: string,
  email?: string,
  externalId?: string,
  hidden = false,
): UserNames => ({
  id,
  userName,
  ...(email === undefined ? {} : { email }),
  ...(externalId === undefined ? {} : { externalId }),
  hidden,
})

function indexOf(shared: boolean, ...users: UserNames[]): UserNameIndex<UserNames> {
  const index = new UserNameIndex<UserNames>(shared)
  for (const u of users) {
    index.checkUnique(u)
    index.add(u)
  }
  return index
}

const conflictOn = (run: () => void): unknown => {
  try {
    run()
  } catch (error) {
    return (error as { scimType?: string; message?: string }).message
  }
  return undefined
}

describe('UserNameIndex, shared namespace', () => {
  const ann = user('1', 'Ann', 'ann.mail@example.com', 'ext-1')
  const bob = user('2', 'bob@example.com', 'BOB@example.com')

  it('finds a user by userName and by email, in any case, and answers the stored user itself', () => {
    const index = indexOf(true, ann, bob)
    expect(index.byUserName('ann')).toBe(ann)
    expect(index.byUserName('Ann')).toBe(ann)
    expect(index.byEmail('ANN.MAIL@example.com')).toBe(ann)
    expect(index.byUserName('BOB@EXAMPLE.COM')).toBe(bob)
    expect(index.byEmail('bob@example.com')).toBe(bob)
    expect(index.byExternalId('ext-1')).toBe(ann)
    expect(index.byExternalId('EXT-1')).toBeUndefined()
  })

  it('does not answer a name by the role it does not have', () => {
    const index = indexOf(true, ann)
    // One map holds both kinds of names: a read by userName must not find Ann by her email.
    expect(index.byUserName('ann.mail@example.com')).toBeUndefined()
    expect(index.byUserName('Ann.Mail@Example.com')).toBeUndefined()
    expect(index.byEmail('ann')).toBeUndefined()
    expect(index.byEmail('ANN')).toBeUndefined()
  })

  it('refuses a userName held as an email and an email held as a userName, in any case', () => {
    const index = indexOf(true, ann)
    expect(() => index.checkUnique(user('3', 'ANN.MAIL@example.com'))).toThrow(/userName/)
    expect(() => index.checkUnique(user('3', 'carol', 'ANN'))).toThrow(/emails/)
    expect(() => index.checkUnique(user('3', 'carol', 'ann.mail@EXAMPLE.com'))).toThrow(/emails/)
    expect(() => index.checkUnique(user('3', 'carol', undefined, 'ext-1'))).toThrow(/externalId/)
    expect(
      conflictOn(() => index.checkUnique(user('3', 'carol', 'carol@example.com', 'ext-3'))),
    ).toBeUndefined()
    // The user itself (an update) holds its own names.
    expect(conflictOn(() => index.checkUnique(user('1', 'ann.mail@example.com', 'ann'), '1'))).toBeUndefined()
  })

  it('lists every user a create would collide with, once each', () => {
    const index = indexOf(true, ann, bob)
    expect(index.collisions('ann.mail@example.com', 'bob@example.com')).toEqual([ann, bob])
    expect(index.collisions('ANN', 'ann.mail@example.com')).toEqual([ann])
    expect(index.collisions('nobody', '')).toEqual([])
  })

  it('forgets only the entries the user holds, and a user whose email is its userName holds one', () => {
    const index = indexOf(true, ann, bob)
    index.remove(user('9', 'Ann', 'ann.mail@example.com', 'ext-1'))
    expect(index.byUserName('ann')).toBe(ann)
    index.remove(bob)
    expect(index.byUserName('bob@example.com')).toBeUndefined()
    expect(index.byEmail('bob@example.com')).toBeUndefined()
    expect(conflictOn(() => index.checkUnique(user('4', 'BOB@example.com')))).toBeUndefined()
  })

  it('replaces a user renamed into its own email', () => {
    const index = indexOf(true, ann)
    const renamed = user('1', 'ann.mail@example.com', 'ann.mail@example.com', 'ext-1')
    index.checkUnique(renamed, '1')
    index.remove(ann)
    index.add(renamed)
    expect(index.byUserName('ann')).toBeUndefined()
    expect(index.byUserName('ann.mail@example.com')).toBe(renamed)
    expect(index.byEmail('ann.mail@example.com')).toBe(renamed)
    expect(index.byExternalId('ext-1')).toBe(renamed)
  })

  it('keeps hidden users out of the names but finds them by externalId', () => {
    const gone = user('5', 'ann', 'ann@example.com', 'ext-1', true)
    const index = indexOf(true, gone)
    expect(index.byUserName('ann')).toBeUndefined()
    expect(conflictOn(() => index.checkUnique(ann))).toBeUndefined()
    index.add(ann)
    expect(index.allByExternalId('ext-1')).toEqual(['1', '5'])
    index.remove(gone)
    expect(index.allByExternalId('ext-1')).toEqual(['1'])
  })
})

describe('UserNameIndex, separate namespace', () => {
  it('lets a userName equal another user’s email, and reads each kind apart', () => {
    const ann = user('1', 'ann', 'shared@example.com')
    const other = user('2', 'shared@example.com', 'ann')
    const index = indexOf(false, ann, other)
    expect(index.byUserName('shared@example.com')).toBe(other)
    expect(index.byEmail('shared@example.com')).toBe(ann)
    expect(index.byUserName('ANN')).toBe(ann)
    expect(index.byEmail('ANN')).toBe(other)
    expect(index.collisions('ann', 'ann')).toEqual([ann, other])
    expect(() => index.checkUnique(user('3', 'x', 'SHARED@example.com'))).toThrow(/emails/)
    expect(() => index.checkUnique(user('3', 'ANN'))).toThrow(/userName/)
  })
})
