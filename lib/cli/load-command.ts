// `express-scim load <baseUrl>`: simulate an IdP's initial sync and an incremental cycle, then print what it cost.
import { MultiBar, Presets, type SingleBar } from 'cli-progress'
import type { LoadPhase, LoadProgressEvent, LoadReport } from '../../types/load'
import { runLoad } from '../load/run'
import {
  type CliIo,
  type CliStream,
  type Colors,
  colorsFor,
  EXIT,
  UsageError,
  withProgress,
  writeReportFile,
} from './io'
import { resolveToken } from './options'

/** What the command line asked `load` to do. */
export interface LoadCommandOptions {
  readonly token?: string
  readonly users: number
  readonly groups: number
  readonly members?: number
  readonly concurrency: number
  readonly batchSize: number
  readonly keep?: boolean
  readonly timeout: number
  readonly json?: string
}

const PHASE_NAMES: Record<LoadPhase, string> = {
  users: 'users',
  groups: 'groups',
  members: 'member batches',
  updates: 'updates',
  cleanup: 'cleanup',
}

/** A bar per phase on a terminal; a line when each phase ends otherwise. */
function loadProgress(stream: CliStream, c: Colors) {
  if (stream.isTTY !== true) {
    return {
      onProgress(event: LoadProgressEvent) {
        if (event.done === event.total)
          stream.write(`${c.green('✓')} ${PHASE_NAMES[event.phase]}: ${event.total}\n`)
      },
      stop() {},
    }
  }
  const bars = new MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: `{phase} ${c.cyan('{bar}')} {value}/{total} {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  )
  const open = new Map<LoadPhase, SingleBar>()
  return {
    onProgress(event: LoadProgressEvent) {
      let bar = open.get(event.phase)
      if (bar === undefined) {
        bar = bars.create(event.total, 0, { phase: PHASE_NAMES[event.phase].padEnd(15) })
        open.set(event.phase, bar)
      }
      bar.update(event.done)
    },
    stop() {
      bars.stop()
    },
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const fixed = (n: number) => n.toFixed(2).padStart(9)

/** The figures: durations, throughput, a latency table per kind, errors by status and the cleanup. */
export function loadSummary(report: LoadReport, c: Colors): string {
  const { plan } = report
  const lines = [
    `run ${report.runId}: users load.${report.runId}.<n>@example.test, groups load-${report.runId}-group-<n>`,
    ...(report.interrupted
      ? [c.yellow('interrupted: the figures below cover only what ran before the stop')]
      : []),
    c.bold(
      `initial sync of ${plan.users} users and ${plan.groups} groups of ${plan.members} members ` +
        `(batches of ${plan.batchSize}) at concurrency ${plan.concurrency}: ${seconds(report.initialSyncMs)}` +
        (report.interrupted ? ' (not finished)' : ''),
    ),
    `incremental cycle (updates and deactivations): ${seconds(report.incrementalMs)}`,
    `throughput: ${report.throughput} requests/s over ${report.requests} requests`,
    '',
    `${'kind'.padEnd(16)}${'count'.padStart(8)}${'errors'.padStart(8)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}`,
    ...report.kinds.map(
      (k) =>
        `${k.kind.padEnd(16)}${String(k.count).padStart(8)}${(k.errors > 0 ? c.red : String)(String(k.errors).padStart(8))}` +
        `${fixed(k.p50)}${fixed(k.p95)}${fixed(k.p99)}${fixed(k.max)}`,
    ),
    '',
  ]
  const errors = Object.entries(report.errorsByStatus)
  lines.push(
    errors.length === 0
      ? `errors by status: ${c.green('none')}`
      : `errors by status: ${c.red(errors.map(([status, n]) => `${status} × ${n}`).join(', '))}`,
  )
  lines.push(
    plan.keep
      ? 'cleanup: kept (--keep)'
      : `cleanup: ${report.cleanup.deleted} deleted, ${report.cleanup.failed} failed`,
  )
  return lines.join('\n')
}

/** Runs `load` and answers its exit code: 0 when every request answered as the IdP expects. */
export async function loadCommand(
  baseUrl: string | undefined,
  options: LoadCommandOptions,
  io: CliIo,
): Promise<number> {
  if (baseUrl === undefined)
    throw new UsageError('missing the base URL, for example: express-scim load https://host/scim')
  const token = resolveToken(options.token, io)
  const progress = loadProgress(io.stderr, colorsFor(io.stderr, io.env))
  const report = await withProgress(progress, () =>
    runLoad({
      baseUrl,
      token,
      users: options.users,
      groups: options.groups,
      ...(options.members === undefined ? {} : { members: Math.min(options.members, options.users) }),
      concurrency: options.concurrency,
      batchSize: options.batchSize,
      keep: options.keep === true,
      timeoutMs: options.timeout,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      onProgress: progress.onProgress,
    }),
  )
  io.stdout.write(`${loadSummary(report, colorsFor(io.stdout, io.env))}\n`)
  if (options.json !== undefined)
    writeReportFile(io, options.json, `${JSON.stringify(report, null, 2)}\n`, 'report')
  if (report.interrupted) return EXIT.interrupted
  const failed = Object.values(report.errorsByStatus).reduce((sum, n) => sum + n, 0) + report.cleanup.failed
  return failed === 0 ? EXIT.ok : EXIT.failed
}
