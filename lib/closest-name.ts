// Suggests the known name closest to a misspelt one, for "did you mean" in configuration errors.
import { foldCase } from './schema/fold'

/**
 * Edit distance between two strings, counting an insertion, a deletion, a substitution or a swap of two
 * neighbouring characters as one edit (optimal string alignment distance): `userSyncEnable` is one edit
 * from `userSyncEnabled`, `groupSyncEnabeld` one from `groupSyncEnabled`.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table suffice: the current one and the two before it.
  let before = new Array<number>(b.length + 1).fill(0)
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1)
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1)
      }
      current[j] = best
    }
    before = previous
    previous = current
  }
  return previous[b.length]!
}

/**
 * The candidate closest to `name`, compared case-insensitively (`foldCase`), or undefined when none is
 * close enough to be a plausible misspelling: at most two edits, or a third of the name's length for
 * longer names. Ties go to the candidate listed first.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const folded = foldCase(name)
  const allowed = Math.max(2, Math.floor(folded.length / 3))
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const distance = editDistance(folded, foldCase(candidate))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return bestDistance <= allowed ? best : undefined
}
