// The load run's figures: nearest-rank percentiles at their edges, and failures counted per kind and per status.
import { LoadStats, percentile } from '../../lib/load/stats'

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

describe('percentile (nearest rank)', () => {
  it('is 0 for no values, at every p', () => {
    for (const p of [0, 50, 95, 99, 100]) expect(percentile([], p)).toBe(0)
  })

  it('is the only value when there is one, at every p (rank is at least 1)', () => {
    for (const p of [0, 1, 50, 95, 99, 100]) expect(percentile([42], p)).toBe(42)
  })

  it('takes the ceil(p/100 * n)-th value of 1..100: p50 = 50, p95 = 95, p99 = 99, p100 = 100', () => {
    const values = oneTo(100)
    expect([50, 95, 99, 100].map((p) => percentile(values, p))).toEqual([50, 95, 99, 100])
  })

  it('rounds the rank up, never interpolates', () => {
    // 101 values: p99 is rank ceil(99.99) = 100; two values: p50 is the lower one (rank 1), p51 the upper.
    expect(percentile(oneTo(101), 99)).toBe(100)
    expect(percentile([10, 20], 50)).toBe(10)
    expect(percentile([10, 20], 51)).toBe(20)
    expect(percentile([10, 20, 30, 40], 95)).toBe(40)
  })
})

describe('LoadStats', () => {
  it('counts every request, and only the failed ones as errors, by kind and by status or reason', () => {
    const stats = new LoadStats()
    stats.record('user lookup', 1)
    stats.record('user create', 2, '500')
    stats.record('user create', 3)
    stats.record('user create', 4, '500')
    stats.record('user lookup', 5, 'timeout')
    stats.record('delete', 6, 'connection')
    stats.record('delete', 7)
    expect(stats.count()).toBe(7)
    expect(stats.count(['user create'])).toBe(3)
    expect(stats.count(['user lookup', 'delete'])).toBe(4)
    expect(stats.kinds().map(({ kind, count, errors }) => ({ kind, count, errors }))).toEqual([
      { kind: 'user lookup', count: 2, errors: 1 },
      { kind: 'user create', count: 3, errors: 2 },
      { kind: 'delete', count: 2, errors: 1 },
    ])
    // Keys in a stable (sorted) order, so two runs' reports compare line by line.
    expect(Object.entries(stats.errorsByStatus())).toEqual([
      ['500', 2],
      ['connection', 1],
      ['timeout', 1],
    ])
  })

  it('has no errors by status when nothing failed, and no kinds when nothing ran', () => {
    const stats = new LoadStats()
    expect(stats.kinds()).toEqual([])
    expect(stats.errorsByStatus()).toEqual({})
    expect(stats.count()).toBe(0)
    stats.record('delete', 1)
    expect(stats.errorsByStatus()).toEqual({})
  })

  it('lists kinds in the order they first ran, not alphabetically', () => {
    const stats = new LoadStats()
    for (const kind of ['user update', 'group create', 'user update', 'delete', 'group create'] as const)
      stats.record(kind, 1)
    expect(stats.kinds().map((k) => k.kind)).toEqual(['user update', 'group create', 'delete'])
  })

  it('sorts latencies as numbers (9 < 10 < 100), for percentiles and max', () => {
    const stats = new LoadStats()
    for (const ms of [100, 9, 10]) stats.record('user create', ms)
    const [create] = stats.kinds()
    expect(create).toMatchObject({ p50: 10, p95: 100, p99: 100, max: 100 })
  })

  it('gives p50/p95/p99/max of 1..100 ms recorded in any order, rounded to 0.01 ms', () => {
    const stats = new LoadStats()
    for (const ms of oneTo(100).reverse()) stats.record('member add', ms + 0.123456)
    expect(stats.kinds()).toEqual([
      { kind: 'member add', count: 100, errors: 0, p50: 50.12, p95: 95.12, p99: 99.12, max: 100.12 },
    ])
  })
})
