// What a CLI command may touch of the outside world, so tests can run commands in-process and read what they print.
import { writeFileSync } from 'node:fs'
import pc from 'picocolors'

/** A writable stream as the CLI uses it; `isTTY` decides between progress bars and plain lines. */
export interface CliStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/** The process's streams, environment and stop signal, or a test's stand-ins. */
export interface CliIo {
  /** Results and the summary. */
  readonly stdout: CliStream
  /** Progress, warnings and usage errors. */
  readonly stderr: CliStream
  /** Read for `SCIM_TOKEN`, `NO_COLOR` and `FORCE_COLOR`. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Aborted on Ctrl-C: the command stops starting work and cleans up. */
  readonly signal?: AbortSignal
}

/** picocolors' functions, on or off for one stream (off when it is not a terminal, or NO_COLOR is set). */
export type Colors = ReturnType<typeof pc.createColors>

export function colorsFor(stream: CliStream, env: CliIo['env']): Colors {
  // https://no-color.org: any non-empty NO_COLOR turns colour off; FORCE_COLOR turns it on for pipes (CI logs).
  const enabled =
    (env.NO_COLOR === undefined || env.NO_COLOR === '') &&
    (stream.isTTY === true || (env.FORCE_COLOR ?? '') !== '')
  return pc.createColors(enabled)
}

/** A usage error: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Exit codes: 0 all passed, 1 something failed, 2 bad usage, 130 interrupted (128 + SIGINT). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const

/**
 * Runs a command's work under its progress display: the display is stopped whatever happens, and a
 * TypeError (an option the engine refused) becomes a UsageError.
 */
export async function withProgress<T>(progress: { stop(): void }, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message)
    throw error
  } finally {
    progress.stop()
  }
}

/** Writes a report file; a failure is one line on stderr (the run's result stands), never a stack. */
export function writeReportFile(io: CliIo, file: string, text: string, what: string): void {
  try {
    writeFileSync(file, text)
  } catch (error) {
    io.stderr.write(
      `could not write the ${what} to ${file} (${String((error as { code?: unknown }).code ?? 'error')})\n`,
    )
  }
}
