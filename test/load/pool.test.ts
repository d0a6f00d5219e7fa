// The load run's worker pool: the concurrency bound (counted, not timed), every item once, and a stop that holds.
import { inPool } from '../../lib/load/pool'

/** A tick of the event loop: enough for other workers to start, without measuring time. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Runs `inPool` over `n` items with work that yields a few ticks, counting what is in flight at once. */
async function measure(n: number, concurrency: number) {
  let inFlight = 0
  let most = 0
  const seen: number[] = []
  await inPool(
    Array.from({ length: n }, (_, i) => `item ${i}`),
    concurrency,
    async (item, index) => {
      expect(item).toBe(`item ${index}`)
      inFlight++
      most = Math.max(most, inFlight)
      // Uneven work, so workers finish out of step and the bound is tested while they overlap.
      for (let t = 0; t <= index % 3; t++) await tick()
      seen.push(index)
      inFlight--
    },
  )
  return { most, seen, inFlight }
}

describe('inPool', () => {
  it('never has more than `concurrency` items in flight, and does reach it', async () => {
    const { most, inFlight } = await measure(25, 3)
    expect(most).toBe(3)
    expect(inFlight).toBe(0)
  })

  it('runs every item exactly once', async () => {
    const { seen } = await measure(25, 4)
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i))
  })

  it('starts no more workers than there are items', async () => {
    const { most, seen } = await measure(2, 8)
    expect(most).toBe(2)
    expect(seen).toHaveLength(2)
  })

  it('with concurrency 1, runs items one after the other, in order', async () => {
    const { most, seen } = await measure(6, 1)
    expect(most).toBe(1)
    expect(seen).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('does nothing for no items', async () => {
    const work = jest.fn(async () => {})
    await inPool([], 4, work)
    expect(work).not.toHaveBeenCalled()
  })

  it('takes no item after the signal is aborted; the items already started finish', async () => {
    const controller = new AbortController()
    const started: number[] = []
    const finished: number[] = []
    const startedAfterAbort: number[] = []
    await inPool(
      Array.from({ length: 30 }, (_, i) => i),
      3,
      async (item) => {
        if (controller.signal.aborted) startedAfterAbort.push(item)
        started.push(item)
        if (item === 7) controller.abort()
        await tick()
        await tick()
        finished.push(item)
      },
      controller.signal,
    )
    expect(startedAfterAbort).toEqual([])
    expect(started).toContain(7)
    expect(started.length).toBeLessThan(30)
    expect([...finished].sort((a, b) => a - b)).toEqual([...started].sort((a, b) => a - b))
  })

  it('takes no item at all when the signal is already aborted', async () => {
    const work = jest.fn(async () => {})
    await inPool([1, 2, 3], 2, work, AbortSignal.abort())
    expect(work).not.toHaveBeenCalled()
  })
})
