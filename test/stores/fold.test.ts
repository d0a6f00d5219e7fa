// The memory stores filter and sort case-insensitive strings by foldCase(): final sigma, İ, ẞ, fullwidth, astral.
import { parseFilter } from '../../lib/filter/parser'
import { USER_SCHEMA } from '../../lib/schema/core'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { MemoryUserStore } from '../../lib/stores/memory-users'
import { sortItems, sortKeyReader } from '../../lib/stores/shared'
import { createTestContext } from '../../lib/testing'
import type { AttributePath } from '../../types/filter'
import type { ListQuery, NewUser, SortOrder, StoredUser } from '../../types/stores'

const acme = createTestContext('acme')

function user(userName: string, displayName: string): NewUser {
  return {
    provisioned: true,
    userName,
    displayName,
    active: true,
    document: { schemas: [USER_SCHEMA], userName, displayName },
  }
}

function query(rest: Partial<ListQuery>): ListQuery {
  return { sortOrder: 'ascending', startIndex: 1, count: 100, ...rest }
}

const displayName: AttributePath = { kind: 'attributePath', attribute: 'displayName' }
const userNames = (page: { resources: readonly StoredUser[] }) => page.resources.map((u) => u.userName)

describe('memory stores: sortBy on a case-insensitive string sorts foldCase() values by code point', () => {
  // Pairs that foldCase() makes equal but toLowerCase() does not (ΟΔΟΣ → οδος with a final ς): equal keys
  // keep creation order, in both directions (RFC 7644 §3.4.2.3 leaves ties to the provider; we keep them stable).
  it.each(['ascending', 'descending'] as const)('keeps creation order for equal folds (%s)', (sortOrder) => {
    const store = new MemoryUserStore()
    store.create(user('u1', 'οδοσ'), acme)
    store.create(user('u2', 'ΟΔΟΣ'), acme)
    store.create(user('u3', 'Οδος'), acme)
    expect(userNames(store.list(query({ sortBy: displayName, sortOrder }), acme))).toEqual(['u1', 'u2', 'u3'])
  })

  it('orders by the code points of the folds: ẞ as ß, fullwidth after ASCII, astral capitals as small letters', () => {
    const store = new MemoryUserStore()
    const names: [string, string][] = [
      ['u1', 'GROẞ'],
      ['u2', 'groz'],
      ['u3', 'ＡＢＣ'],
      ['u4', 'abd'],
      ['u5', '\u{10400}'],
      ['u6', '\u{10428}a'],
      ['u7', '\uFFFD'],
    ]
    for (const [name, display] of names) store.create(user(name, display), acme)
    // groz < groß (z U+007A < ß U+00DF) < U+FFFD < U+10428 ("𐐀" folded) < U+10428 a; ＡＢＣ folds to ａｂｃ (U+FF41).
    expect(userNames(store.list(query({ sortBy: displayName }), acme))).toEqual([
      'u4',
      'u2',
      'u1',
      'u3',
      'u7',
      'u5',
      'u6',
    ])
  })

  it('sortKeyReader() yields the foldCase() of the value', () => {
    const read = sortKeyReader(createSchemaRegistry(), 'User', displayName)!
    expect(read({ displayName: 'ODYSSEUS-ΟΔΟΣ' })).toBe('odysseus-οδοσ')
    expect(read({ displayName: 'İlker' })).toBe('i\u0307lker')
    expect(read({ displayName: 'STRAẞE' })).toBe('straße')
    const items = [{ displayName: 'ΟΔΟΣ' }, { displayName: 'οδοσ' }]
    const order = (sortOrder: SortOrder) =>
      sortItems(
        items,
        (i) => read(i),
        sortOrder,
        (i) => items.indexOf(i),
      ).map((i) => i.displayName)
    expect(order('ascending')).toEqual(['ΟΔΟΣ', 'οδοσ'])
    expect(order('descending')).toEqual(['ΟΔΟΣ', 'οδοσ'])
  })
})

describe('memory stores: filters fold case-insensitive strings with foldCase()', () => {
  it('finds a Greek name with a final sigma however the filter writes it', () => {
    const store = new MemoryUserStore()
    store.create(user('ODYSSEUS-ΟΔΟΣ', 'Οδυσσέας'), acme)
    for (const text of [
      'displayName eq "ΟΔΥΣΣΈΑΣ"',
      'displayName eq "οδυσσέασ"',
      'displayName ew "ΈΑΣ"',
      'displayName co "σσέας"',
    ]) {
      expect({ text, found: store.list(query({ filter: parseFilter(text) }), acme).totalResults }).toEqual({
        text,
        found: 1,
      })
    }
  })
})
