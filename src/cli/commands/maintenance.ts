import type { Command } from 'commander'
import { durationArg, intArg } from '../args.js'
import { examples, type CliContext } from '../context.js'
import { time } from '../output.js'

function percent(rate: number | null): string {
  return rate === null ? '' : `${(rate * 100).toFixed(1)}%`
}

function latency(l: { p50Ms: number | null; p95Ms: number | null }): string {
  return l.p50Ms === null ? '' : `${l.p50Ms} ms / ${l.p95Ms ?? ''} ms`
}

/** `hookrelay migrate`, `stats` and `purge`. */
export function maintenanceCommands(program: Command, cli: CliContext): void {
  const { withRelay, print } = cli

  examples(program.command('migrate').description('create or upgrade the tables (idempotent; creates a SQLite file)'), [
    'hookrelay migrate --database-url ./hookrelay.db',
    'HOOKRELAY_DATABASE_URL=postgres://app@db/app hookrelay migrate',
  ]).action(
    withRelay(
      async (relay, globals) => {
        await relay.migrate()
        print(globals, { migrated: true }, () => 'hookrelay tables are up to date.')
      },
      { mustExist: false },
    ),
  )

  examples(
    program
      .command('stats')
      .description('deliveries, attempts, success rate and latency; --endpoint for one endpoint')
      .option('--window <duration>', 'attempts of the last …', durationArg, '24h')
      .option('--endpoint <id>', 'one endpoint'),
    ['hookrelay stats', 'hookrelay stats --endpoint ep_01J… --window 1h'],
  ).action(
    withRelay(async (relay, globals, opts: { window: string; endpoint?: string }) => {
      if (opts.endpoint) {
        const s = await relay.endpoints.stats(opts.endpoint, { window: opts.window })
        print(globals, s, () =>
          cli.details([
            ['endpoint', s.endpointId],
            ['state', s.disabled ? `disabled: ${s.disabledReason ?? ''}` : 'enabled'],
            ['circuit', s.circuit],
            ['failing since', time(s.failingSince)],
            ...Object.entries(s.deliveries).map(([k, v]) => [`deliveries ${k}`, v] as [string, unknown]),
            [`attempts (${opts.window})`, s.attempts.total],
            ['success rate', percent(s.attempts.successRate)],
            ['latency p50 / p95', latency(s.attempts.latency)],
            ['last failure', s.lastFailure ? `${time(s.lastFailure.at)} ${s.lastFailure.statusCode ?? ''} ${s.lastFailure.error ?? ''}`.trim() : ''],
          ]),
        )
        return
      }
      const s = await relay.stats({ window: opts.window })
      print(globals, s, () =>
        cli.details([
          ...Object.entries(s.deliveries).map(([k, v]) => [`deliveries ${k}`, v] as [string, unknown]),
          ...Object.entries(s.inbound).map(([k, v]) => [`inbound ${k}`, v] as [string, unknown]),
          [`messages (${opts.window})`, s.messages],
          [`attempts (${opts.window})`, s.attempts.total],
          ['success rate', percent(s.attempts.successRate)],
          ['latency p50 / p95', latency(s.attempts.latency)],
          ['endpoints', `${s.endpoints.total} (${s.endpoints.disabled} disabled, ${s.endpoints.failing} failing)`],
          ['lag', `${s.lagMs} ms`],
        ]),
      )
    }),
  )

  examples(
    program
      .command('purge')
      .description('delete what ended longer ago than --older-than; never pending work')
      .requiredOption('--older-than <duration>', 'e.g. 30d', durationArg)
      .option('--batch-size <n>', 'rows per transaction (1-1000)', intArg(1000), 500),
    ['hookrelay purge --older-than 30d'],
  ).action(
    withRelay(async (relay, globals, opts: { olderThan: string; batchSize: number }) => {
      const result = await relay.purge({
        olderThan: opts.olderThan,
        batchSize: opts.batchSize,
        onProgress: (p) => cli.io.err(`purged ${p.deliveries} deliveries, ${p.attempts} attempts, ${p.messages} messages, ${p.inbound} inbound`),
      })
      print(globals, result, () => `Purged ${result.deliveries} deliveries, ${result.attempts} attempts, ${result.messages} messages and ${result.inbound} inbound messages.`)
    }),
  )
}
