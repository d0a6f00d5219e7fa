// A fixed number of workers taking items in order, so at most `concurrency` requests are in flight at once.

/**
 * Runs `work` on every item (or every index below a count, so a long list need not exist) with at most
 * `concurrency` at a time, in order. Stops taking new items once `signal` is aborted; items already started
 * finish. `work` must not throw (a load run records failures).
 */
export async function inPool<T>(
  items: readonly T[] | number,
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const total = typeof items === 'number' ? items : items.length
  const at = (index: number) => (typeof items === 'number' ? index : items[index]) as T
  let next = 0
  const worker = async () => {
    while (next < total && signal?.aborted !== true) {
      const index = next++
      await work(at(index), index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
}
