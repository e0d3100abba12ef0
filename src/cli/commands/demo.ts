import type { Command } from 'commander'
import { CliExit, examples, type CliContext } from '../context.js'

const GUIDE = 'https://github.com/hookrelay/hookrelay/blob/main/docs/getting-started.md'

/**
 * `hookrelay demo`: the guided tour of src/demo/, from the installed package. It runs its own
 * receivers and databases (a temp SQLite, or `--postgres`), not the `--database-url` one.
 */
export function demoCommand(program: Command, cli: CliContext): void {
  examples(
    program
      .command('demo')
      .description('a one-minute tour on local receivers: duplicates, dead letters, attacks, a blast, a circuit breaker')
      .option('--postgres <url>', 'run on Postgres (a fresh schema, dropped at the end) instead of SQLite')
      .option('--redis <url>', 'with --postgres: coordinate workers through Redis (redisQueue())')
      .option('--only <keys>', 'only these scenarios: duplicate, dlq, attack, campaign, circuit')
      .option('--events <n>', 'events in the campaign blast (default 5000)')
      .option('--endpoints <n>', 'endpoints in the campaign blast (default 4)')
      .option('--keep', 'SQLite: keep the database files and print CLI commands to browse them'),
    ['hookrelay demo', 'hookrelay demo --keep', 'hookrelay demo --only attack,dlq', 'hookrelay demo --postgres postgres://user@host/db --redis redis://127.0.0.1:6379'],
  ).action(async (opts: Record<string, string | boolean | undefined>) => {
    const argv = Object.entries(opts).flatMap(([name, value]) =>
      value === undefined || value === false ? [] : value === true ? [`--${name}`] : [`--${name}`, value],
    )
    // Loaded on demand: the demo's code (and cli-progress) stays out of every other command.
    const { runDemo } = await import('../../demo/main.js')
    const code = await runDemo(argv, { run: 'npx hookrelay demo', guide: GUIDE })
    cli.io.err('')
    if (code !== 0) throw new CliExit(code)
  })
}
