// A fixed number of workers taking items in order, so at most `concurrency` requests are in flight at once.

/**
 * Runs `work` on every item with at most `concurrency` at a time, in item order. Stops taking new items once
 * `signal` is aborted; items already started finish. `work` must not throw (a load run records failures).
 */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length && signal?.aborted !== true) {
      const index = next++
      await work(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}
