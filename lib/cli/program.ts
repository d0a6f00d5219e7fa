// The `express-scim` command line: `check` and `load`, their options and help, parsed by commander.
import { Command, CommanderError, Option } from 'commander'
import { PACKAGE_VERSION } from '../version'
import { type CheckCommandOptions, checkCommand } from './check-command'
import { type CliIo, EXIT, UsageError } from './io'
import { type LoadCommandOptions, loadCommand } from './load-command'
import { integerIn, parseList, parseReport } from './options'

const TOKEN_HELP = 'bearer token (default: $SCIM_TOKEN, which keeps it out of shell history)'

function program(io: CliIo, done: (code: number) => void): Command {
  const root = new Command('express-scim')
    .description('Test a SCIM 2.0 endpoint the way Microsoft Entra ID and Okta will.')
    .version(PACKAGE_VERSION)
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')

  root
    .command('check')
    .description(
      'Replay the recorded Entra ID and Okta provisioning sequences and the RFC 7643/7644 checks they depend on. ' +
        'Creates only uniquely named resources and deletes them afterwards, also after a failure or Ctrl-C.',
    )
    .argument('[baseUrl]', 'the SCIM base URL, for example https://host/scim')
    .option('--token <token>', TOKEN_HELP)
    .option(
      '--only <suites>',
      'run only these suites or tags, comma-separated (entra, okta, rfc, users, groups…)',
      parseList,
    )
    .option('--skip <suites>', 'skip these suites or tags, comma-separated', parseList)
    .addOption(
      new Option('--timeout <ms>', 'per-request timeout in milliseconds')
        .argParser(integerIn(1, 600_000))
        .default(10_000),
    )
    .option(
      '--report <kind=file>',
      'also write a report: junit=FILE or json=FILE (repeatable)',
      parseReport,
      [],
    )
    .option('--list', 'list the suites and their tags, then exit')
    .action(async (baseUrl: string | undefined, options: CheckCommandOptions) => {
      done(await checkCommand(baseUrl, options, io))
    })

  root
    .command('load')
    .description(
      "Simulate an IdP's initial sync (lookup then create per user; groups created, then filled in batches) " +
        'and an incremental cycle (updates, deactivations); report throughput and latency per request kind.',
    )
    .argument('[baseUrl]', 'the SCIM base URL, for example https://host/scim')
    .option('--token <token>', TOKEN_HELP)
    .addOption(
      new Option('--users <n>', 'users to provision').argParser(integerIn(1, 1_000_000)).default(100),
    )
    .addOption(new Option('--groups <n>', 'groups to provision').argParser(integerIn(0, 100_000)).default(10))
    .addOption(
      new Option('--members <n>', 'members per group (default: every user, at most 1000)').argParser(
        integerIn(0, 1000),
      ),
    )
    .addOption(
      new Option('--concurrency <n>', 'requests in flight at once').argParser(integerIn(1, 256)).default(4),
    )
    .addOption(
      new Option('--batch-size <n>', 'members added per PATCH').argParser(integerIn(1, 1000)).default(50),
    )
    .option('--keep', 'keep what the run created (default: delete it afterwards)')
    .addOption(
      new Option('--timeout <ms>', 'per-request timeout in milliseconds')
        .argParser(integerIn(1, 600_000))
        .default(10_000),
    )
    .option('--json <file>', 'also write the figures as JSON')
    .action(async (baseUrl: string | undefined, options: LoadCommandOptions) => {
      done(await loadCommand(baseUrl, options, io))
    })

  return root
}

/**
 * Runs the command line `args` (without `node` and the script) and answers the exit code. Usage errors are
 * printed without a stack (exit 2); nothing else is expected to throw.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok
  const root = program(io, (result) => {
    code = result
  })
  if (args.length === 0) {
    root.outputHelp()
    return EXIT.usage
  }
  try {
    await root.parseAsync([...args], { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    if (error instanceof UsageError) {
      io.stderr.write(`express-scim: ${error.message}\n`)
      return EXIT.usage
    }
    throw error
  }
}
