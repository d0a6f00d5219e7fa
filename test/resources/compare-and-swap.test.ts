// The compare-and-swap retry schedule: full-jitter backoff, bounded, with no state shared between requests.
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  RETRY_AFTER_SECONDS,
  retryDelay,
} from '../../lib/resources/compare-and-swap'

describe('retryDelay', () => {
  const almostOne = () => 0.999_999

  it('is 0 at the bottom of the jitter range', () => {
    for (let attempt = 0; attempt < 10; attempt++) expect(retryDelay(attempt, () => 0)).toBe(0)
  })

  it('has a ceiling that starts at the base and doubles per retry up to the cap', () => {
    const ceilings = Array.from({ length: 8 }, (_, attempt) => retryDelay(attempt, almostOne) + 1)
    expect(ceilings).toEqual([4, 8, 16, 32, 64, 100, 100, 100])
    expect(BACKOFF_BASE_MS).toBe(4)
    expect(BACKOFF_CAP_MS).toBe(100)
  })

  it('stays within [0, cap) for any attempt, however large', () => {
    for (const attempt of [0, 1, 5, 31, 1000, Number.MAX_SAFE_INTEGER]) {
      for (const r of [0, 0.25, 0.5, almostOne()]) {
        const delay = retryDelay(attempt, () => r)
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(BACKOFF_CAP_MS)
      }
    }
  })

  it('is spread out, not the same for every request (full jitter)', () => {
    const delays = new Set(Array.from({ length: 200 }, () => retryDelay(5)))
    expect(delays.size).toBeGreaterThan(20)
  })

  it('keeps the worst total wait of the default 5 retries short', () => {
    let total = 0
    for (let attempt = 0; attempt < 5; attempt++) total += retryDelay(attempt, almostOne)
    expect(total).toBeLessThanOrEqual(124)
    expect(RETRY_AFTER_SECONDS).toBeGreaterThanOrEqual(1)
  })
})
