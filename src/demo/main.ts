/**
 * `npx hookrelay demo` (or `npm run demo` in a clone): hookrelay's guarantees, shown and checked,
 * in well under a minute. It ships in the package (built into dist by tsup with the CLI), so an
 * installed hookrelay runs it without tsx.
 *
 *   npm run demo                                         SQLite in a temp dir (the embedded default)
 *   npm run demo -- --postgres postgres://…/db           Postgres, in a fresh schema dropped at the end
 *   npm run demo -- --postgres URL --redis redis://…     Postgres + redisQueue() (the fleet setup)
 *   npm run demo -- --only attack,dlq                    some scenarios only
 *   npm run demo -- --events 1000 --endpoints 2          a smaller campaign blast
 *   npm run demo -- --dashboard                          then keep a dashboard open with buttons to rerun them
 *   npm run demo -- --keep                               keep the SQLite files to browse with the CLI
 *
 * It starts its own receivers on 127.0.0.1 and walks through five scenarios — duplicate delivery,
 * dead letter, signature attack, campaign blast, circuit breaker — each of which asserts what it
 * shows: the demo exits non-zero when hookrelay misbehaves. The scenarios live in src/demo/scenarios/.
 */
import { parseArgs } from 'node:util'
import { postgresBackend, sqliteBackend, type Backend } from './backend.js'
import { relayErrors } from './relays.js'
import type { DemoSettings, Scenario } from './scenario.js'
import { campaignBlast } from './scenarios/campaign.js'
import { circuitBreaker } from './scenarios/circuit-breaker.js'
import { deadLetter } from './scenarios/dead-letter.js'
import { duplicateDelivery } from './scenarios/duplicate.js'
import { signatureAttack } from './scenarios/signature-attack.js'
import { Cleanup, DemoAssertionError } from './util.js'
import { c, ms, View, WIDTH } from './view.js'

const SCENARIOS: Scenario[] = [duplicateDelivery, deadLetter, signatureAttack, campaignBlast, circuitBreaker]
const WATCHDOG_MS = 120_000 // a hung demo fails instead of hanging CI

/** How the demo was started, for its usage and its closing hints. */
export interface DemoCommand {
  /** What runs it: `npx hookrelay demo` or `npm run demo --`. */
  run: string
  /** Where the getting-started guide is: a path in a clone, a URL for an installed package. */
  guide: string
}

export const DEMO_OPTIONS = `
  --postgres <url>    run on Postgres (a fresh schema, dropped at the end) instead of SQLite
  --redis <url>       with --postgres: coordinate workers through Redis (redisQueue())
  --only <keys>       run only these scenarios: ${SCENARIOS.map((s) => s.key).join(', ')}
  --events <n>        events in the campaign blast (default 5000)
  --endpoints <n>     endpoints in the campaign blast (default 4)
  --keep              SQLite: keep the database files and print CLI commands to browse them
  --dashboard         afterwards keep a dashboard open, with buttons that run each scenario again live (Ctrl-C stops)
  -h, --help          this help`

const usage = (command: DemoCommand) => `Usage: ${command.run} [options]\n${DEMO_OPTIONS}`

interface Outcome {
  scenario: Scenario
  ok: boolean
  summary: string
  ms: number
}

/**
 * Runs the demo with `argv` (its options, e.g. `['--keep']`) and resolves with the exit code: 0 when
 * every scenario passed, 1 when one failed, 2 for bad options. A demo that hangs fails after two
 * minutes. Writes to stdout and stderr; leaves nothing behind unless `--keep`.
 */
export async function runDemo(argv: readonly string[], command: DemoCommand): Promise<number> {
  const watchdog = setTimeout(() => {
    console.error(c.red(`The demo did not finish within ${WATCHDOG_MS / 1000} s; giving up.`))
    process.exit(1)
  }, WATCHDOG_MS)
  watchdog.unref()
  try {
    return await main(argv, command, () => clearTimeout(watchdog))
  } finally {
    clearTimeout(watchdog)
  }
}

async function main(argv: readonly string[], command: DemoCommand, stopWatchdog: () => void): Promise<number> {
  let args
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        postgres: { type: 'string' },
        redis: { type: 'string' },
        only: { type: 'string' },
        events: { type: 'string', default: '5000' },
        endpoints: { type: 'string', default: '4' },
        keep: { type: 'boolean' },
        dashboard: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage(command)}`)
    return 2
  }
  if (args.help) {
    console.log(usage(command))
    return 0
  }
  let settings: DemoSettings
  try {
    settings = { events: positive(args.events, 'events'), endpoints: positive(args.endpoints, 'endpoints') }
  } catch (error) {
    console.error((error as Error).message)
    return 2
  }
  if (args.redis && !args.postgres) {
    console.error('--redis coordinates a fleet whose data lives in Postgres: give --postgres <url> as well.')
    return 2
  }
  const only = args.only?.split(',').map((k) => k.trim())
  const unknown = only?.filter((k) => !SCENARIOS.some((s) => s.key === k)) ?? []
  if (unknown.length > 0) {
    console.error(`Unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.key).join(', ')}.`)
    return 2
  }
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.key)) : SCENARIOS

  const view = new View()
  const started = Date.now()
  let backend: Backend
  try {
    if (args.keep && args.postgres) throw new Error('--keep applies to SQLite; on Postgres, browse with your own schema instead.')
    backend = args.postgres ? await postgresBackend(args.postgres, args.redis) : sqliteBackend(args.keep ?? false)
  } catch (error) {
    console.error(c.red((error as Error).message))
    return 1
  }

  let current: Cleanup | null = null
  let interrupted = false
  process.once('SIGINT', () => {
    interrupted = true
    view.line()
    view.line(c.yellow('Interrupted: cleaning up…'))
    void (current?.run() ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => backend.cleanup())
      .catch(() => undefined)
      .finally(() => process.exit(130))
  })

  view.banner('hookrelay demo', [
    ...backend.facts,
    ['receivers', 'local HTTP servers on 127.0.0.1 (network.allowPrivate: true)'],
    ['timings', 'retry schedules of a few hundred ms, pollInterval 100ms (production defaults: minutes to hours, 1s)'],
    ['output', view.interactive ? 'live (TTY)' : 'plain lines (not a TTY)'],
  ])

  const outcomes: Outcome[] = []
  for (const [i, scenario] of scenarios.entries()) {
    if (interrupted) break
    const lead = typeof scenario.lead === 'function' ? scenario.lead(settings) : scenario.lead
    view.section(i + 1, scenarios.length, scenario.title, lead)
    const cleanup = new Cleanup()
    current = cleanup
    const t0 = Date.now()
    let outcome: Outcome
    try {
      const summary = await scenario.run({ backend, view, cleanup, settings })
      outcome = { scenario, ok: true, summary, ms: Date.now() - t0 }
    } catch (error) {
      const message = error instanceof DemoAssertionError ? error.message : String((error as Error)?.stack ?? error)
      view.line(`  ${c.red('FAIL')}  ${message}`)
      outcome = { scenario, ok: false, summary: message.split('\n')[0]!, ms: Date.now() - t0 }
    }
    try {
      await cleanup.run()
    } catch (error) {
      view.line(`  ${c.yellow('cleanup:')} ${(error as Error).message}`)
    }
    current = null
    outcome.ms = Date.now() - t0
    outcomes.push(outcome)
  }

  let cleaned: string
  try {
    cleaned = await backend.cleanup()
  } catch (error) {
    cleaned = c.yellow(`cleanup failed: ${(error as Error).message}`)
  }

  const failed = outcomes.filter((o) => !o.ok)
  view.line()
  view.line(c.dim('─'.repeat(WIDTH)))
  view.line(c.bold('Summary'))
  view.table(
    ['scenario', 'result', 'what it showed (and asserted)', 'time'],
    outcomes.map((o) => [o.scenario.title.split(':')[0]!, o.ok ? c.green('passed') : c.red('FAILED'), o.summary, ms(o.ms)]),
    ['left', 'left', 'left', 'right'],
    [20, 8, 50, 9],
  )
  view.line(`  storage: ${backend.kind}   cleanup: ${cleaned}`)
  if (relayErrors.length > 0) {
    view.line(`  ${c.yellow(`${relayErrors.length} error event(s) hookrelay recovered from:`)}`)
    for (const e of relayErrors.slice(0, 5)) view.line(`    ${e.relay} ${e.context}: ${e.message}`)
  }
  const verdict = failed.length === 0 ? c.green(`All ${outcomes.length} scenarios passed`) : c.red(`${failed.length} of ${outcomes.length} scenarios FAILED`)
  view.line(`  ${c.bold(verdict)} in ${ms(Date.now() - started)}.`)
  whatNext(view, backend, command)
  if (args.dashboard && !interrupted) {
    // Stays open until Ctrl-C: no watchdog, and the dashboard handles Ctrl-C itself.
    stopWatchdog()
    process.removeAllListeners('SIGINT')
    const { postgres, redis } = args
    const { keepDashboardOpen } = await import('./dashboard.js')
    await keepDashboardOpen({ scenarios, settings, view, newBackend: async () => (postgres ? postgresBackend(postgres, redis) : sqliteBackend(false)) })
  }
  return failed.length === 0 ? 0 : 1
}

/** Where to go from here: the CLI on what the demo kept, or how to keep it, and the docs. */
function whatNext(view: View, backend: Backend, command: DemoCommand): void {
  view.line()
  view.line(c.bold('What next'))
  if (backend.keptIn) {
    const db = `${backend.keptIn}/dlq.db`
    view.line(`  Browse what the demo left with the CLI (each scenario's relay has its own file):`)
    view.line(`    export HOOKRELAY_DATABASE_URL=${db}`)
    view.line('    npx hookrelay attempts list     every attempt: 3 messages failed 4 times, then replayed')
    view.line('    npx hookrelay messages list     every delivery, newest first')
    view.line('    npx hookrelay stats             counts, success rate, latency')
    view.line(`  Remove them when done: rm -r ${backend.keptIn}`)
  } else {
    view.line(`  ${`${command.run} --keep`.padEnd(34)} keep its databases for the CLI`)
  }
  view.line(`  ${`${command.run} --postgres URL`.padEnd(34)} the same on Postgres (--redis URL: a fleet)`)
  view.line('  send your first webhook from your own app:')
  view.line(`    ${command.guide}`)
}

function positive(value: string | undefined, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`)
  return n
}
