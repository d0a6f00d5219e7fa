// Unit tests of editDistance() and closestName(): one edit per insertion, deletion, substitution or swap; case-insensitive; no far-fetched suggestions.
import { closestName, editDistance } from '../lib/closest-name'

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['userSyncEnable', 'userSyncEnabled', 1],
    ['userSyncEnabled', 'userSyncEnable', 1],
    ['maxResult', 'maxResults', 1],
    ['groupSyncEnabeld', 'groupSyncEnabled', 1],
    ['ab', 'ba', 1],
    ['abc', 'bca', 2],
    ['kitten', 'sitting', 3],
  ])('%j to %j is %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance)
    expect(editDistance(b, a)).toBe(distance)
  })
})

describe('closestName', () => {
  const names = ['userSyncEnabled', 'groupSyncEnabled', 'bodyLimit', 'maxResults', 'maxOperations']

  it('finds the name a misspelling meant', () => {
    expect(closestName('userSyncEnable', names)).toBe('userSyncEnabled')
    expect(closestName('groupSyncEnabeld', names)).toBe('groupSyncEnabled')
    expect(closestName('maxOperation', names)).toBe('maxOperations')
  })

  it('compares case-insensitively and returns the name as spelt in the list', () => {
    expect(closestName('BODYLIMIT', names)).toBe('bodyLimit')
    expect(closestName('usersyncenabled', names)).toBe('userSyncEnabled')
  })

  it('suggests nothing for a name that is nothing like any', () => {
    expect(closestName('logger', names)).toBeUndefined()
    expect(closestName('x', names)).toBeUndefined()
    expect(closestName('', names)).toBeUndefined()
    expect(closestName('anything', [])).toBeUndefined()
  })

  it('breaks ties in list order', () => {
    expect(closestName('ab', ['ax', 'xb'])).toBe('ax')
  })
})
