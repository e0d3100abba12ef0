import { Command, Option } from 'commander'
import { HookrelayError } from '../core/errors.js'
import { VERSION } from '../relay-options.js'
import { deadLetterCommands } from './commands/dead-letters.js'
import { demoCommand } from './commands/demo.js'
import { catalogCommands } from './commands/catalog.js'
import { endpointCommands } from './commands/endpoints.js'
import { maintenanceCommands } from './commands/maintenance.js'
import { messageCommands } from './commands/messages.js'
import { tailCommand } from './commands/tail.js'
import { CliExit, cliContext } from './context.js'
import { json, type CliIo } from './output.js'

/**
 * The `hookrelay` command line: everything the library's operations do (endpoints, messages,
 * attempts, both dead-letter queues, recovery, stats, retention) on the database `--database-url`
 * (or `HOOKRELAY_DATABASE_URL`) names. Tables as wide as the terminal, `--json` for scripts.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('hookrelay')
    .description('Operate hookrelay: endpoints, messages, attempts, dead letters (outbound and inbound), stats, retention.')
    .version(VERSION)
    .addOption(new Option('--database-url <url>', 'postgres://… or a SQLite file such as ./hookrelay.db').env('HOOKRELAY_DATABASE_URL'))
    .addOption(new Option('--table-prefix <prefix>', "hookrelay's table prefix (default hookrelay_)").env('HOOKRELAY_TABLE_PREFIX'))
    .addOption(new Option('--schema <schema>', 'Postgres schema of the tables (default public)').env('HOOKRELAY_SCHEMA'))
    .addOption(new Option('--catalog <module>', "the app's event catalog: a JS module exporting defineEvents(…)").env('HOOKRELAY_CATALOG'))
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true, helpWidth: Math.min(io.columns ?? 100, 100) })
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ export HOOKRELAY_DATABASE_URL=./hookrelay.db      # or postgres://user@host/db\n' +
        '  $ hookrelay endpoints list\n' +
        '  $ hookrelay dlq list --since 24h\n' +
        '  $ hookrelay dlq replay --endpoint ep_01J… --since 24h\n' +
        '  $ hookrelay messages get msg_01J… --json\n' +
        '  $ hookrelay tail                                    # live: attempts, dead letters, inbound\n' +
        '  $ npx hookrelay demo                                # the tour, on its own temp database\n',
    )

  const cli = cliContext(io)
  endpointCommands(program, cli)
  messageCommands(program, cli)
  deadLetterCommands(program, cli)
  maintenanceCommands(program, cli)
  tailCommand(program, cli)
  demoCommand(program, cli)
  catalogCommands(program, cli)
  return program
}

/** Runs the CLI; resolves with the exit code. Errors print as `error: …` (or JSON with --json). */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io)
  // Every command at every depth (`endpoints list`, `dlq replay`…) exits through run(), so a usage
  // error, such as a bad option value, is a code and never a process.exit of the host process.
  const exitThroughRun = (command: Command): void => {
    command.exitOverride()
    for (const sub of command.commands) exitThroughRun(sub)
  }
  exitThroughRun(program)
  try {
    await program.parseAsync(argv as string[])
    return 0
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Commander already printed help, the version, or what was wrong with the arguments.
      return (error as { exitCode?: number }).exitCode ?? 1
    }
    const asJson = argv.includes('--json')
    const message = String((error as Error)?.message ?? error)
    if (error instanceof HookrelayError) {
      io.err(asJson ? json({ error: { code: error.code, message: error.message } }) : `error: ${error.message}`)
    } else {
      io.err(asJson ? json({ error: { code: 'INTERNAL', message } }) : `error: ${message}`)
    }
    return 1
  }
}
