// Parsing the values of command-line options that commander leaves as strings: lists, numbers, report targets, the token.
import { InvalidArgumentError } from 'commander'
import type { CliIo } from './io'
import { UsageError } from './io'

/** `--report junit=FILE` or `--report json=FILE`. */
export interface ReportTarget {
  readonly kind: 'junit' | 'json'
  readonly file: string
}

/** `a,b,c` as a list, accumulated over repeated flags; empty items are dropped. */
export function parseList(value: string, previous: readonly string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  // An empty list would select everything: a typo such as `--only ""` must not look like a choice.
  if (items.length === 0) throw new InvalidArgumentError('expected one or more names, comma-separated')
  return [...(previous ?? []), ...items]
}

/** A whole number within bounds, for counts, concurrency and milliseconds. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`)
    const n = Number(value)
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`)
    return n
  }
}

/** `kind=FILE`, accumulated over repeated flags. */
export function parseReport(value: string, previous: readonly ReportTarget[] | undefined): ReportTarget[] {
  const at = value.indexOf('=')
  const kind = at < 0 ? '' : value.slice(0, at)
  const file = at < 0 ? '' : value.slice(at + 1)
  if ((kind !== 'junit' && kind !== 'json') || file === '')
    throw new InvalidArgumentError('expected junit=FILE or json=FILE')
  return [...(previous ?? []), { kind, file }]
}

/**
 * The token from `--token` or `SCIM_TOKEN`. The environment is the safer of the two: a command line is
 * visible to other users of the machine and stays in shell history.
 */
export function resolveToken(flag: string | undefined, io: CliIo): string {
  const token = flag ?? io.env.SCIM_TOKEN
  if (token === undefined || token === '')
    throw new UsageError(
      'no token: set SCIM_TOKEN (or pass --token; the environment keeps it out of shell history)',
    )
  if (/[\r\n]/.test(token)) throw new UsageError('the token must be one line')
  return token
}
