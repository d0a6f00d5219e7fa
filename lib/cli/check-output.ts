// How `check` shows a run: a progress bar per suite on a terminal, a line per suite otherwise, then the failures.
import { MultiBar, Presets, type SingleBar } from 'cli-progress'
import type { CheckProgressEvent, CheckReport, CheckSuiteResult } from '../../types/check'
import type { CliStream, Colors } from './io'

/** Receives the run's progress events and draws them. `stop()` must be called before printing anything else. */
export interface CheckProgress {
  readonly onProgress: (event: CheckProgressEvent) => void
  stop(): void
}

function suiteSummary(suite: CheckSuiteResult): { passed: number; failed: number; skipped: number } {
  const count = (outcome: string) => suite.steps.filter((step) => step.outcome === outcome).length
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped') }
}

/** One line per finished suite: a mark, the name, and its counts. */
export function suiteLine(suite: CheckSuiteResult, c: Colors): string {
  const { passed, failed, skipped } = suiteSummary(suite)
  const mark = failed > 0 ? c.red('✗') : skipped > 0 ? c.yellow('-') : c.green('✓')
  const parts = [`${passed}/${suite.steps.length} passed`]
  if (failed > 0) parts.push(c.red(`${failed} failed`))
  if (skipped > 0) parts.push(c.yellow(`${skipped} not run`))
  if (suite.notServed) parts.push(c.yellow(`(the server does not serve ${suite.notServed.join(', ')})`))
  return `${mark} ${suite.name.padEnd(14)} ${parts.join(', ')} ${c.dim(`(${suite.durationMs} ms)`)}`
}

/** Plain lines, for pipes and CI logs: one when a suite ends, one when cleanup starts. */
function plainProgress(stream: CliStream, c: Colors): CheckProgress {
  return {
    onProgress(event) {
      if (event.type === 'suite-end') stream.write(`${suiteLine(event.result, c)}\n`)
      if (event.type === 'cleanup' && event.resources > 0)
        stream.write(`${c.dim(`cleanup: deleting ${event.resources} resource(s) the run left`)}\n`)
    },
    stop() {},
  }
}

/** A cli-progress bar per suite, each filled step by step. */
function barProgress(stream: CliStream, c: Colors): CheckProgress {
  const bars = new MultiBar(
    {
      // cli-progress writes to any stream with write/isTTY/columns and cursor methods; process.stderr has them.
      stream: stream as NodeJS.WriteStream,
      format: `{suite} ${c.cyan('{bar}')} {value}/{total} {status}`,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    Presets.shades_classic,
  )
  const open = new Map<string, SingleBar>()
  const failed = new Set<string>()
  return {
    onProgress(event) {
      if (event.type === 'suite-start') {
        open.set(event.suite, bars.create(event.steps, 0, { suite: event.suite.padEnd(14), status: '' }))
      } else if (event.type === 'step') {
        if (event.result.outcome === 'failed') failed.add(event.suite)
        const status = failed.has(event.suite) ? c.red('failing') : ''
        open.get(event.suite)?.increment(1, { status })
      } else if (event.type === 'suite-end') {
        const { failed: bad, skipped } = suiteSummary(event.result)
        const status =
          bad > 0 ? c.red(`${bad} failed`) : skipped > 0 ? c.yellow(`${skipped} not run`) : c.green('passed')
        open.get(event.result.name)?.update({ status })
      }
    },
    stop() {
      bars.stop()
    },
  }
}

/** Bars on a terminal, plain lines elsewhere. */
export function checkProgress(stream: CliStream, c: Colors): CheckProgress {
  return stream.isTTY === true ? barProgress(stream, c) : plainProgress(stream, c)
}

/** Every failure with its step, what was sent and what came back; then the cleanup problems. */
export function failureDetails(report: CheckReport, c: Colors): string {
  const blocks: string[] = []
  for (const suite of report.suites) {
    for (const step of suite.steps) {
      const failure = step.failure
      if (step.outcome !== 'failed' || failure === undefined) continue
      const lines = [c.red(c.bold(`FAIL ${suite.name} › step ${step.index} "${step.name}"`))]
      for (const problem of failure.problems) lines.push(`  - ${problem}`)
      lines.push(c.dim(`  > ${failure.request.method} ${failure.request.url}`))
      for (const [name, value] of Object.entries(failure.request.headers))
        lines.push(c.dim(`  > ${name}: ${value}`))
      if (failure.request.body !== undefined) lines.push(c.dim(`  > ${failure.request.body}`))
      if (failure.response !== undefined) {
        lines.push(c.dim(`  < HTTP ${failure.response.status}`))
        // The type says what kind of answer it was; a Location explains a redirect ("use https").
        for (const name of ['content-type', 'location']) {
          const value = failure.response.headers[name]
          if (value !== undefined) lines.push(c.dim(`  < ${name}: ${value}`))
        }
        if (failure.response.excerpt !== '') lines.push(c.dim(`  < ${failure.response.excerpt}`))
      }
      blocks.push(lines.join('\n'))
    }
  }
  for (const item of report.cleanup) {
    if (!item.deleted) blocks.push(c.red(`LEFT BEHIND ${item.path}: ${item.error ?? 'not deleted'}`))
  }
  return blocks.join('\n\n')
}

/** The last line: `N passed, M failed`, with the steps not run when there are any. */
export function summaryLine(report: CheckReport): string {
  const tail = report.skipped > 0 ? `, ${report.skipped} not run` : ''
  return `${report.passed} passed, ${report.failed} failed${tail}`
}
