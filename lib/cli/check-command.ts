// `express-scim check <baseUrl>`: replay the built-in suites, show progress and failures, write reports, pick the exit code.
import type { CheckReport } from '../../types/check'
import { junitXml } from '../check/junit'
import { runCheck } from '../check/run'
import { builtInSuites, selectSuites } from '../check/sequence'
import { checkProgress, failureDetails, suiteLine, summaryLine } from './check-output'
import { type CliIo, colorsFor, EXIT, UsageError, withProgress, writeReportFile } from './io'
import { type ReportTarget, resolveToken } from './options'

/** What the command line asked `check` to do. */
export interface CheckCommandOptions {
  readonly token?: string
  readonly only?: readonly string[]
  readonly skip?: readonly string[]
  readonly timeout: number
  readonly report: readonly ReportTarget[]
  readonly list?: boolean
}

function writeReports(report: CheckReport, targets: readonly ReportTarget[], io: CliIo): void {
  for (const target of targets) {
    const text = target.kind === 'junit' ? junitXml(report) : `${JSON.stringify(report, null, 2)}\n`
    writeReportFile(io, target.file, text, `${target.kind} report`)
  }
}

/** `--list`: every suite with its tags, title and step count. */
function listSuites(io: CliIo): number {
  for (const suite of builtInSuites()) {
    io.stdout.write(
      `${suite.name.padEnd(14)} ${String(suite.sequence.steps.length).padStart(3)} steps  [${suite.tags.join(', ')}]  ${suite.sequence.name}\n`,
    )
  }
  return EXIT.ok
}

/** Runs `check` and answers its exit code; usage errors throw UsageError. */
export async function checkCommand(
  baseUrl: string | undefined,
  options: CheckCommandOptions,
  io: CliIo,
): Promise<number> {
  if (options.list === true) return listSuites(io)
  if (baseUrl === undefined)
    throw new UsageError('missing the base URL, for example: express-scim check https://host/scim')
  const token = resolveToken(options.token, io)
  try {
    // Validate the selectors before anything is sent: a typo must not look like a pass.
    selectSuites(builtInSuites(), options.only, options.skip)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const out = colorsFor(io.stdout, io.env)
  const progress = checkProgress(io.stderr, colorsFor(io.stderr, io.env))
  const report = await withProgress(progress, () =>
    runCheck({
      baseUrl,
      token,
      ...(options.only === undefined ? {} : { only: options.only }),
      ...(options.skip === undefined ? {} : { skip: options.skip }),
      timeoutMs: options.timeout,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      onProgress: progress.onProgress,
    }),
  )
  // The bars already showed each suite on a terminal; a pipe got a line per suite as they ended.
  if (io.stderr.isTTY === true && io.stdout !== io.stderr)
    for (const suite of report.suites) io.stdout.write(`${suiteLine(suite, out)}\n`)
  const details = failureDetails(report, out)
  if (details !== '') io.stdout.write(`\n${details}\n\n`)
  writeReports(report, options.report, io)
  if (report.interrupted)
    io.stdout.write(`${out.yellow('interrupted: the steps not run are counted as not run')}\n`)
  io.stdout.write(`${summaryLine(report)}\n`)
  if (report.interrupted) return EXIT.interrupted
  return report.failed === 0 ? EXIT.ok : EXIT.failed
}
