// A compare-and-swap update's outcome as the store contract wants it: the row, undefined when gone, or versionMismatch().
import { versionMismatch } from '../errors'

/**
 * A compare-and-swap write as `UserStore.update` / `TeamStore.update` must answer it. `update` runs the
 * conditional statement (`UPDATE … WHERE id = $1 AND version = $2 RETURNING …`) and gives the row it
 * wrote, or undefined. When it wrote none, `exists` says whether the id is still there: if so, another
 * writer got in first and `versionMismatch()` is thrown (the router reads again and retries, or answers
 * 412 to an `If-Match`); if not, the result is undefined (the router answers 404). The check costs a
 * second round trip only on that rare path.
 */
export async function conditionalUpdate<R>(
  update: () => Promise<R | undefined>,
  exists: () => Promise<boolean>,
): Promise<R | undefined> {
  const written = await update()
  if (written !== undefined && written !== null) return written
  if (await exists()) throw versionMismatch()
  return undefined
}
