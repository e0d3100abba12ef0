import { Option, type Command } from 'commander'
import { INBOUND_STATUSES, type InboundStatus } from '../../core/types.js'
import type { DeadLetterBulkFilter } from '../../admin/dead-letters.js'
import { ValidationError } from '../../core/errors.js'
import type { BulkOptions, BulkResult } from '../../core/operations.js'
import type { Relay } from '../../relay.js'
import { intArg, timeArg } from '../args.js'
import { examples, type CliContext, type GlobalOptions } from '../context.js'
import { time } from '../output.js'

type Verb = 'replay' | 'discard'
type FilterOpts = {
  endpoint?: string; tenant?: string; eventType?: string; source?: string; type?: string; since?: Date; until?: Date; unhandled?: boolean
}
type BulkOpts = FilterOpts & { all?: boolean; batchSize?: number }

/** One dead-letter queue as the CLI drives it: outbound deliveries or received webhooks. */
interface Queue {
  name: string
  addFilters(command: Command): Command
  /** Options only `replay` and `discard` take. */
  addBulkOptions?(command: Command): Command
  filterOf(opts: FilterOpts): object
  one(relay: Relay, verb: Verb, id: string): Promise<boolean>
  many(relay: Relay, verb: Verb, filter: object, options: BulkOptions): Promise<BulkResult>
}

const timeFilters = (command: Command) =>
  command
    .option('--since <time>', 'created at or after (ISO time, epoch ms, or a duration ago: 2h)', timeArg)
    .option('--until <time>', 'created before', timeArg)

const outbound: Queue = {
  name: 'dead letters',
  addFilters: (command) =>
    timeFilters(command.option('--endpoint <id>', 'only this endpoint').option('--tenant <tenant>', 'only this tenant').option('--event-type <type>', 'only this event type')),
  filterOf: (opts): DeadLetterBulkFilter => ({
    ...(opts.endpoint && { endpointId: opts.endpoint }),
    ...(opts.tenant && { tenant: opts.tenant }),
    ...(opts.eventType && { eventType: opts.eventType }),
    ...(opts.since && { since: opts.since }),
    ...(opts.until && { until: opts.until }),
  }),
  one: async (relay, verb, id) => (verb === 'replay' ? (await relay.dlq.replay(id)).replayed : (await relay.dlq.discard(id)).discarded),
  many: (relay, verb, filter, options) => (verb === 'replay' ? relay.dlq.replayMany(filter, options) : relay.dlq.discardMany(filter, options)),
}

const inbound: Queue = {
  name: 'dead inbound webhooks',
  addFilters: (command) => timeFilters(command.option('--source <name>', 'only this receiver').option('--type <type>', 'only this event type')),
  filterOf: (opts) => ({
    ...(opts.source && { source: opts.source }),
    ...(opts.type && { type: opts.type }),
    ...(opts.since && { since: opts.since }),
    ...(opts.until && { until: opts.until }),
    ...(opts.unhandled && { status: 'unhandled' as const }),
  }),
  addBulkOptions: (command) => command.option('--unhandled', 'the webhooks no handler matched (status unhandled) instead of the dead ones'),
  one: async (relay, verb, id) => (verb === 'replay' ? (await relay.inbound.replay(id)).replayed : (await relay.inbound.discard(id)).discarded),
  many: (relay, verb, filter, options) => (verb === 'replay' ? relay.inbound.replayMany(filter, options) : relay.inbound.discardMany(filter, options)),
}

/** `replay` and `discard` of one queue: by ids, or by a filter (or `--all`), never both. */
function bulkCommands(group: Command, queue: Queue, cli: CliContext, example: string): void {
  for (const verb of ['replay', 'discard'] as const) {
    const command = queue.addFilters(
      group
        .command(`${verb} [ids...]`)
        .description(verb === 'replay' ? `put ${queue.name} back in the queue, due now (idempotent)` : `give up on ${queue.name} for good`),
    )
    examples(
      (queue.addBulkOptions?.(command) ?? command)
        .option('--all', `${verb} every one`)
        .option('--batch-size <n>', 'rows per batch (1-1000)', intArg(1000)),
      [`${example} ${verb} <id> <id>`, `${example} ${verb} --since 2h`],
    ).action(
      cli.withRelay(async (relay: Relay, globals: GlobalOptions, ids: string[], opts: BulkOpts) => {
        const { status: _status, ...filter } = queue.filterOf(opts) as { status?: string }
        let result: BulkResult
        if (ids.length > 0) {
          if (Object.keys(filter).length > 0 || opts.all) throw new ValidationError('Give ids or a filter (or --all), not both.')
          result = { matched: ids.length, changed: 0 }
          for (const id of ids) if (await queue.one(relay, verb, id)) result.changed++
        } else {
          if (Object.keys(filter).length === 0 && !opts.all) {
            throw new ValidationError(`Give ids, a filter (see --help), or --all to ${verb} every one of the ${queue.name}.`)
          }
          const options = { onProgress: cli.progress(verb === 'replay' ? 'replayed' : 'discarded'), ...(opts.batchSize && { batchSize: opts.batchSize }) }
          result = await queue.many(relay, verb, queue.filterOf(opts), options)
        }
        cli.print(globals, result, () =>
          verb === 'replay'
            ? `Replayed ${result.changed} of ${result.matched} ${queue.name} (the others were no longer dead).`
            : `Discarded ${result.changed} of ${result.matched} ${queue.name}.`,
        )
      }),
    )
  }
}

/** `hookrelay dlq …` (outbound dead letters) and `hookrelay inbound …` (received webhooks). */
export function deadLetterCommands(program: Command, cli: CliContext): void {
  const dlq = program.command('dlq').description('the dead-letter queue of outbound deliveries: list, replay, discard')
  examples(
    outbound.addFilters(dlq.command('list').description('dead deliveries, newest first'))
      .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
      .option('--cursor <cursor>', 'the next page, from a previous nextCursor'),
    ['hookrelay dlq list --endpoint ep_01J… --since 24h'],
  ).action(
    cli.withRelay(async (relay, globals, opts: FilterOpts & { limit: number; cursor?: string }) => {
      const page = await relay.dlq.list({ ...outbound.filterOf(opts), limit: opts.limit, ...(opts.cursor && { cursor: opts.cursor }) })
      cli.print(globals, page, () =>
        cli.page(
          cli.table(
            ['delivery', 'endpoint', 'tries', 'http', 'last error', 'dead since'],
            page.data.map((d) => [d.id, d.endpointId, d.attempts, d.lastStatusCode, d.lastError?.slice(0, 80) ?? d.deadReason, time(d.completedAt)]),
          ),
          page.nextCursor,
        ),
      )
    }),
  )
  bulkCommands(dlq, outbound, cli, 'hookrelay dlq')

  const received = program.command('inbound').description('received webhooks: list, get, and their dead letters (replay, discard)')
  examples(
    inbound.addFilters(received.command('list').description('received webhooks, newest first'))
      .addOption(new Option('--status <status>', 'only this status (dead: the inbound dead letters; unhandled: no handler matched)').choices(INBOUND_STATUSES))
      .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
      .option('--cursor <cursor>', 'the next page, from a previous nextCursor'),
    ['hookrelay inbound list --status dead', 'hookrelay inbound list --status unhandled', 'hookrelay inbound list --source stripe --since 1h'],
  ).action(
    cli.withRelay(async (relay, globals, opts: FilterOpts & { status?: InboundStatus; limit: number; cursor?: string }) => {
      const page = await relay.inbound.list({ ...inbound.filterOf(opts), ...(opts.status && { status: opts.status }), limit: opts.limit, ...(opts.cursor && { cursor: opts.cursor }) })
      cli.print(globals, page, () =>
        cli.page(
          cli.table(
            ['id', 'source', 'type', 'status', 'tries', 'last error', 'received'],
            page.data.map((m) => [m.id, m.source, m.type, m.status, m.attempts, m.lastError?.slice(0, 80), time(m.receivedAt)]),
          ),
          page.nextCursor,
        ),
      )
    }),
  )
  examples(received.command('get <id>').description('one received webhook with its payload and headers'), ['hookrelay inbound get in_01J… --json']).action(
    cli.withRelay(async (relay, globals, id: string) => {
      const m = await relay.inbound.get(id)
      cli.print(globals, m, () =>
        cli.details([
          ['id', m.id],
          ['source', m.source],
          ['webhook id', m.webhookId],
          ['type', m.type],
          ['status', m.status],
          ['attempts', m.attempts],
          ['last error', m.lastError],
          ['received', time(m.receivedAt)],
          ['payload', m.payload],
        ]),
      )
    }),
  )
  bulkCommands(received, inbound, cli, 'hookrelay inbound')
}
