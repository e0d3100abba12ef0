import { Command, InvalidArgumentError, Option } from 'commander'
import { pointInTime } from '../admin/time.js'
import { isDuration } from '../core/duration.js'
import { HookrelayError, ValidationError } from '../core/errors.js'
import type { BulkResult } from '../core/operations.js'
import type { DeadLetterBulkFilter } from '../admin/dead-letters.js'
import { createRelay, type Relay } from '../relay.js'
import { VERSION } from '../relay-options.js'
import { connect } from './connect.js'
import { details, json, table, time, type CliIo } from './output.js'

interface GlobalOptions {
  databaseUrl?: string
  tablePrefix?: string
  schema?: string
  json?: boolean
}

/** A time option: ISO 8601, epoch ms, or a duration ago (`2h`). */
function timeArg(value: string): Date {
  if (isDuration(value)) return pointInTime(value, Date.now(), 'time')
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value)
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('use an ISO 8601 time (2026-01-31T02:00:00Z), epoch ms, or a duration ago (2h, 3d).')
  return date
}

function intArg(max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be an integer from 1 to ${max}.`)
    return n
  }
}

function durationArg(value: string): string {
  if (!isDuration(value)) throw new InvalidArgumentError("use a duration like '30m', '24h', '30d'.")
  return value
}

/**
 * The `hookrelay` command line: migrate, endpoints, the dead-letter queue, stats and purge, on the
 * database `--database-url` (or `HOOKRELAY_DATABASE_URL`) names. Tables by default, `--json` for scripts.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('hookrelay')
    .description('Operate hookrelay: migrate, endpoints, dead letters, stats, retention.')
    .version(VERSION)
    .addOption(
      new Option('--database-url <url>', 'postgres://… or a SQLite file such as ./hookrelay.db').env('HOOKRELAY_DATABASE_URL'),
    )
    .addOption(new Option('--table-prefix <prefix>', "hookrelay's table prefix (default hookrelay_)").env('HOOKRELAY_TABLE_PREFIX'))
    .addOption(new Option('--schema <schema>', 'Postgres schema of the tables (default public)').env('HOOKRELAY_SCHEMA'))
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })

  /** Runs `action` with a relay on the configured database, closing it afterwards. */
  const withRelay =
    <A extends unknown[]>(action: (relay: Relay, globals: GlobalOptions, ...args: A) => Promise<void>, relayOptions: { allowPrivate?: boolean } = {}) =>
    async (...args: A): Promise<void> => {
      const command = args[args.length - 1] as Command
      const globals = command.optsWithGlobals<GlobalOptions>()
      const allowPrivate = (command.opts() as { allowPrivate?: boolean }).allowPrivate ?? relayOptions.allowPrivate ?? false
      const relay = createRelay({ storage: connect(globals), network: { allowPrivate } })
      try {
        await action(relay, globals, ...args)
      } finally {
        await relay.stop()
      }
    }

  const print = (globals: GlobalOptions, value: unknown, human: () => string) => io.out(globals.json ? json(value) : human())
  const progress = (verb: string) => (p: BulkResult) => io.err(`${verb} ${p.changed} (looked at ${p.matched})`)

  program
    .command('migrate')
    .description('create or upgrade the tables (idempotent)')
    .action(
      withRelay(async (relay, globals) => {
        await relay.migrate()
        print(globals, { migrated: true }, () => 'hookrelay tables are up to date.')
      }),
    )

  // ---- endpoints ---------------------------------------------------------------------------------
  const endpoints = program.command('endpoints').description('list, add, disable and delete endpoints')
  endpoints
    .command('list')
    .description('list endpoints, newest first (never shows secrets)')
    .option('--tenant <tenant>', 'only this tenant')
    .addOption(new Option('--disabled', 'only disabled endpoints').conflicts('enabled'))
    .option('--enabled', 'only enabled endpoints')
    .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
    .option('--cursor <cursor>', 'the next page, from a previous --json nextCursor')
    .action(
      withRelay(async (relay, globals, opts: { tenant?: string; disabled?: boolean; enabled?: boolean; limit: number; cursor?: string }) => {
        const page = await relay.endpoints.list({
          limit: opts.limit,
          ...(opts.cursor && { cursor: opts.cursor }),
          ...(opts.tenant && { tenant: opts.tenant }),
          ...(opts.disabled && { disabled: true }),
          ...(opts.enabled && { disabled: false }),
        })
        print(globals, page, () =>
          [
            table(
              ['id', 'url', 'event types', 'tenant', 'state', 'failing since'],
              page.data.map((e) => [
                e.id,
                e.url,
                e.eventTypes.join(', ') || '*',
                e.tenant,
                e.disabled ? `disabled: ${e.disabledReason ?? ''}` : 'enabled',
                time(e.failingSince),
              ]),
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
      }),
    )
  endpoints
    .command('add <url>')
    .description('create an endpoint and print it with its signing secret')
    .option('--event-type <type...>', "event types to receive ('order.*' wildcards); default every type")
    .option('--channel <channel...>', 'channels to receive; default every channel')
    .option('--tenant <tenant>', 'the tenant it belongs to')
    .option('--description <text>', 'a description')
    .option('--allow-private', 'allow a loopback or private address (local development only)')
    .action(
      withRelay(async (relay, globals, url: string, opts: { eventType?: string[]; channel?: string[]; tenant?: string; description?: string }) => {
        const endpoint = await relay.endpoints.create({
          url,
          ...(opts.eventType && { eventTypes: opts.eventType }),
          ...(opts.channel && { channels: opts.channel }),
          ...(opts.tenant && { tenant: opts.tenant }),
          ...(opts.description && { description: opts.description }),
        })
        print(globals, endpoint, () =>
          details([
            ['id', endpoint.id],
            ['url', endpoint.url],
            ['event types', endpoint.eventTypes.length ? endpoint.eventTypes : '*'],
            ['tenant', endpoint.tenant],
            ['secret', endpoint.secret],
          ]),
        )
      }),
    )
  endpoints
    .command('disable <id>')
    .description('stop deliveries to an endpoint (what comes due is dead-lettered)')
    .option('--reason <text>', 'why', 'disabled from the CLI')
    .action(
      withRelay(async (relay, globals, id: string, opts: { reason: string }) => {
        const endpoint = await relay.endpoints.disable(id, opts.reason)
        print(globals, endpoint, () => `Endpoint ${endpoint.id} disabled: ${endpoint.disabledReason ?? ''}`)
      }),
    )

  endpoints
    .command('delete <id>')
    .description('delete an endpoint: it stops receiving, its history stays until retention purges it')
    .action(
      withRelay(async (relay, globals, id: string) => {
        await relay.endpoints.delete(id)
        print(globals, { id, deleted: true }, () => `Endpoint ${id} deleted; its pending deliveries were discarded, its history kept.`)
      }),
    )

  // ---- messages ----------------------------------------------------------------------------------
  const messages = program.command('messages').description('send a message again')
  messages
    .command('resend <id>')
    .description('send a message again, same webhook-id and body (default: to the endpoints it was delivered to)')
    .option('--endpoint <ids...>', 'these endpoints instead')
    .action(
      withRelay(async (relay, globals, id: string, opts: { endpoint?: string[] }) => {
        const result = await relay.messages.resend(id, opts.endpoint ? { endpointIds: opts.endpoint } : {})
        print(globals, result, () => `Message ${id} queued again: ${result.deliveryIds.length} new deliveries (${result.deliveryIds.join(', ')}).`)
      }),
    )

  // ---- dead-letter queue -------------------------------------------------------------------------
  const dlq = program.command('dlq').description('the dead-letter queue: list, replay, discard')
  const filterOptions = (command: Command) =>
    command
      .option('--endpoint <id>', 'only this endpoint')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--event-type <type>', 'only this event type')
      .option('--since <time>', 'created at or after (ISO time, epoch ms, or a duration ago: 2h)', timeArg)
      .option('--until <time>', 'created before', timeArg)
  type FilterOpts = { endpoint?: string; tenant?: string; eventType?: string; since?: Date; until?: Date }
  const filterOf = (opts: FilterOpts): DeadLetterBulkFilter => ({
    ...(opts.endpoint && { endpointId: opts.endpoint }),
    ...(opts.tenant && { tenant: opts.tenant }),
    ...(opts.eventType && { eventType: opts.eventType }),
    ...(opts.since && { since: opts.since }),
    ...(opts.until && { until: opts.until }),
  })

  filterOptions(dlq.command('list').description('dead deliveries, newest first'))
    .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
    .option('--cursor <cursor>', 'the next page, from a previous --json nextCursor')
    .action(
      withRelay(async (relay, globals, opts: FilterOpts & { limit: number; cursor?: string }) => {
        const page = await relay.dlq.list({ ...filterOf(opts), limit: opts.limit, ...(opts.cursor && { cursor: opts.cursor }) })
        print(globals, page, () =>
          [
            table(
              ['delivery', 'message', 'endpoint', 'attempts', 'reason', 'last status', 'last error', 'dead since'],
              page.data.map((d) => [
                d.id,
                d.messageId,
                d.endpointId,
                d.attempts,
                d.deadReason,
                d.lastStatusCode,
                d.lastError?.slice(0, 60),
                time(d.completedAt),
              ]),
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
      }),
    )

  const bulk = (verb: 'replay' | 'discard') =>
    withRelay(async (relay, globals, ids: string[], opts: FilterOpts & { all?: boolean; batchSize?: number }) => {
      const filter = filterOf(opts)
      let result: BulkResult
      if (ids.length > 0) {
        if (Object.keys(filter).length > 0 || opts.all) {
          throw new ValidationError(`Give delivery ids or a filter (or --all), not both.`)
        }
        result = { matched: ids.length, changed: 0 }
        for (const id of ids) {
          const one = verb === 'replay' ? (await relay.dlq.replay(id)).replayed : (await relay.dlq.discard(id)).discarded
          if (one) result.changed++
        }
      } else {
        if (Object.keys(filter).length === 0 && !opts.all) {
          throw new ValidationError(`Give delivery ids, a filter (--endpoint, --tenant, --event-type, --since, --until), or --all to ${verb} every dead letter.`)
        }
        const options = { onProgress: progress(verb === 'replay' ? 'replayed' : 'discarded'), ...(opts.batchSize && { batchSize: opts.batchSize }) }
        result = verb === 'replay' ? await relay.dlq.replayMany(filter, options) : await relay.dlq.discardMany(filter, options)
      }
      print(globals, result, () =>
        verb === 'replay'
          ? `Replayed ${result.changed} of ${result.matched} dead letters (the others were no longer dead).`
          : `Discarded ${result.changed} of ${result.matched} dead letters.`,
      )
    })

  for (const verb of ['replay', 'discard'] as const) {
    filterOptions(
      dlq
        .command(`${verb} [ids...]`)
        .description(verb === 'replay' ? 'put dead letters back in the queue, due now (idempotent)' : 'give up on dead letters for good'),
    )
      .option('--all', `${verb} every dead letter`)
      .option('--batch-size <n>', 'rows per batch (1-1000)', intArg(1000))
      .action(bulk(verb))
  }

  // ---- stats and retention -----------------------------------------------------------------------
  program
    .command('stats')
    .description('deliveries, attempts, success rate and latency; --endpoint for one endpoint')
    .option('--window <duration>', 'attempts of the last …', durationArg, '24h')
    .option('--endpoint <id>', 'one endpoint')
    .action(
      withRelay(async (relay, globals, opts: { window: string; endpoint?: string }) => {
        if (opts.endpoint) {
          const s = await relay.endpoints.stats(opts.endpoint, { window: opts.window })
          print(globals, s, () =>
            details([
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
          details([
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

  program
    .command('purge')
    .description('delete what ended longer ago than --older-than; never pending work')
    .requiredOption('--older-than <duration>', 'e.g. 30d', durationArg)
    .option('--batch-size <n>', 'rows per transaction (1-1000)', intArg(1000), 500)
    .action(
      withRelay(async (relay, globals, opts: { olderThan: string; batchSize: number }) => {
        const result = await relay.purge({
          olderThan: opts.olderThan,
          batchSize: opts.batchSize,
          onProgress: (p) => io.err(`purged ${p.deliveries} deliveries, ${p.attempts} attempts, ${p.messages} messages, ${p.inbound} inbound`),
        })
        print(globals, result, () =>
          `Purged ${result.deliveries} deliveries, ${result.attempts} attempts, ${result.messages} messages and ${result.inbound} inbound messages.`,
        )
      }),
    )

  return program
}

function percent(rate: number | null): string {
  return rate === null ? '' : `${(rate * 100).toFixed(1)}%`
}

function latency(l: { p50Ms: number | null; p95Ms: number | null }): string {
  return l.p50Ms === null ? '' : `${l.p50Ms} ms / ${l.p95Ms ?? ''} ms`
}

/** Runs the CLI; resolves with the exit code. Errors print as `error: …` (or JSON with --json). */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io).exitOverride()
  try {
    await program.parseAsync(argv as string[])
    return 0
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Commander already printed help, the version, or what was wrong with the arguments.
      return (error as { exitCode?: number }).exitCode ?? 1
    }
    const asJson = argv.includes('--json')
    if (error instanceof HookrelayError) {
      io.err(asJson ? json({ error: { code: error.code, message: error.message } }) : `error: ${error.message}`)
    } else {
      io.err(asJson ? json({ error: { code: 'INTERNAL', message: String((error as Error)?.message ?? error) } }) : `error: ${String((error as Error)?.message ?? error)}`)
    }
    return 1
  }
}
