/**
 * `npm run demo`: hookrelay's guarantees, shown and checked, in well under a minute.
 *
 *   npm run demo                                         SQLite in a temp dir (the embedded default)
 *   npm run demo -- --postgres postgres://…/db           Postgres, in a fresh schema dropped at the end
 *   npm run demo -- --postgres URL --redis redis://…     Postgres + redisQueue() (the fleet setup)
 *   npm run demo -- --mysql mysql://…/db                 MySQL or MariaDB, in a fresh database dropped at the end
 *   npm run demo -- --only attack,dlq                    some scenarios only
 *   npm run demo -- --events 1000 --endpoints 2          a smaller campaign blast
 *   npm run demo -- --keep                               keep the SQLite files to browse with the CLI
 *
 * It starts its own receivers on 127.0.0.1 and walks through five scenarios — duplicate delivery,
 * dead letter, signature attack, campaign blast, circuit breaker — each of which asserts what it
 * shows: the demo exits non-zero when hookrelay misbehaves. The scenarios live in examples/demo/.
 */
import { parseArgs } from 'node:util'
import { postgresBackend, sqliteBackend, type Backend } from './demo/backend.js'
import { mysqlBackend } from './demo/mysql-backend.js'
import { relayErrors } from './demo/relays.js'
import type { DemoSettings, Scenario } from './demo/scenario.js'
import { campaignBlast } from './demo/scenarios/campaign.js'
import { circuitBreaker } from './demo/scenarios/circuit-breaker.js'
import { deadLetter } from './demo/scenarios/dead-letter.js'
import { duplicateDelivery } from './demo/scenarios/duplicate.js'
import { signatureAttack } from './demo/scenarios/signature-attack.js'
import { Cleanup, DemoAssertionError } from './demo/util.js'
import { c, ms, View, WIDTH } from './demo/view.js'

const SCENARIOS: Scenario[] = [duplicateDelivery, deadLetter, signatureAttack, campaignBlast, circuitBreaker]
const WATCHDOG_MS = 120_000 // a hung demo fails instead of hanging CI

const USAGE = `Usage: npm run demo -- [options]

  --postgres <url>    run on Postgres (a fresh schema, dropped at the end) instead of SQLite
  --redis <url>       with --postgres: coordinate workers through Redis (redisQueue())
  --mysql <url>       run on MySQL 8 / MariaDB 10.6+ (a fresh database, dropped at the end)
  --only <keys>       run only these scenarios: ${SCENARIOS.map((s) => s.key).join(', ')}
  --events <n>        events in the campaign blast (default 5000)
  --endpoints <n>     endpoints in the campaign blast (default 4)
  --keep              SQLite: keep the database files and print CLI commands to browse them
  -h, --help          this help`

interface Outcome {
  scenario: Scenario
  ok: boolean
  summary: string
  ms: number
}

async function main(): Promise<number> {
  let args
  try {
    args = parseArgs({
      options: {
        postgres: { type: 'string' },
        mysql: { type: 'string' },
        redis: { type: 'string' },
        only: { type: 'string' },
        events: { type: 'string', default: '5000' },
        endpoints: { type: 'string', default: '4' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (args.help) {
    console.log(USAGE)
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
    if (args.keep && (args.postgres || args.mysql)) throw new Error('--keep applies to SQLite; on Postgres or MySQL, browse with your own schema instead.')
    if (args.postgres && args.mysql) throw new Error('Give one of --postgres and --mysql.')
    backend = args.mysql
      ? await mysqlBackend(args.mysql)
      : args.postgres
        ? await postgresBackend(args.postgres, args.redis)
        : sqliteBackend(args.keep ?? false)
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
  whatNext(view, backend)
  return failed.length === 0 ? 0 : 1
}

/** Where to go from here: the CLI on what the demo kept, or how to keep it, and the docs. */
function whatNext(view: View, backend: Backend): void {
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
    view.line('  npm run demo -- --keep          keep the databases, browse them with the CLI')
  }
  view.line('  npm run demo -- --postgres URL  the same on Postgres (--redis URL: a fleet)')
  view.line('  npm run demo -- --mysql URL     the same on MySQL or MariaDB')
  view.line('  docs/getting-started.md         send your first webhook from your own app')
}

function positive(value: string | undefined, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`)
  return n
}

const watchdog = setTimeout(() => {
  console.error(c.red(`The demo did not finish within ${WATCHDOG_MS / 1000} s; giving up.`))
  process.exit(1)
}, WATCHDOG_MS)
watchdog.unref()

main()
  .then((code) => {
    process.exitCode = code
  })
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    clearTimeout(watchdog)
    // Everything was closed; if some handle still keeps the process alive, do not hang.
    setTimeout(() => {
      console.error(c.yellow('(something kept the process alive after cleanup; exiting)'))
      process.exit(process.exitCode ?? 0)
    }, 5_000).unref()
  })
