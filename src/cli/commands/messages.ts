import { Option, type Command } from 'commander'
import type { DeliveryStatus } from '../../core/types.js'
import { intArg, timeArg } from '../args.js'
import { examples, type CliContext } from '../context.js'
import { time } from '../output.js'

const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'succeeded', 'dead', 'discarded']

/** `hookrelay messages …` and `hookrelay attempts list`: what was sent, where, and how each try went. */
export function messageCommands(program: Command, cli: CliContext): void {
  const { withRelay, print } = cli
  const messages = program.command('messages').description('messages sent: one with its deliveries, deliveries by filter, resend')

  examples(messages.command('get <id>').description('one message: its payload and every delivery'), ['hookrelay messages get msg_01J…', 'hookrelay messages get msg_01J… --json']).action(
    withRelay(async (relay, globals, id: string) => {
      const m = await relay.messages.get(id)
      print(globals, m, () =>
        [
          cli.details([
            ['id', m.id],
            ['type', m.type],
            ['tenant', m.tenant],
            ['channels', m.channels],
            ['idempotency key', m.idempotencyKey],
            ['created', time(m.createdAt)],
            ['payload', m.payload],
          ]),
          cli.table(
            ['delivery', 'endpoint', 'status', 'tries', 'http', 'next attempt'],
            m.deliveries.map((d) => [d.id, d.endpointId, d.status, d.attempts, d.lastStatusCode, time(d.nextAttemptAt)]),
          ),
        ].join('\n'),
      )
    }),
  )

  examples(
    messages
      .command('resend <id>')
      .description('send a message again, same webhook-id and body (default: to the endpoints it was delivered to)')
      .option('--endpoint <ids...>', 'these endpoints instead'),
    ['hookrelay messages resend msg_01J…', 'hookrelay messages resend msg_01J… --endpoint ep_01J…'],
  ).action(
    withRelay(async (relay, globals, id: string, opts: { endpoint?: string[] }) => {
      const result = await relay.messages.resend(id, opts.endpoint ? { endpointIds: opts.endpoint } : {})
      print(globals, result, () => `Message ${id} queued again: ${result.deliveryIds.length} new deliveries (${result.deliveryIds.join(', ')}).`)
    }),
  )

  examples(
    messages
      .command('list')
      .description('deliveries of messages, newest first, by status, endpoint, tenant, type or time')
      .addOption(new Option('--status <status>', 'only this status').choices(DELIVERY_STATUSES))
      .option('--endpoint <id>', 'only to this endpoint')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--event-type <type>', 'only this event type')
      .option('--since <time>', 'created at or after (ISO time, epoch ms, or a duration ago: 2h)', timeArg)
      .option('--until <time>', 'created before', timeArg)
      .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
      .option('--cursor <cursor>', 'the next page, from a previous nextCursor'),
    ['hookrelay messages list --status pending --endpoint ep_01J…', 'hookrelay messages list --event-type order.created --since 1h --json'],
  ).action(
    withRelay(
      async (
        relay,
        globals,
        opts: { status?: DeliveryStatus; endpoint?: string; tenant?: string; eventType?: string; since?: Date; until?: Date; limit: number; cursor?: string },
      ) => {
        const page = await relay.deliveries.list({
          limit: opts.limit,
          ...(opts.cursor && { cursor: opts.cursor }),
          ...(opts.status && { status: opts.status }),
          ...(opts.endpoint && { endpointId: opts.endpoint }),
          ...(opts.tenant && { tenant: opts.tenant }),
          ...(opts.eventType && { eventType: opts.eventType }),
          ...(opts.since && { since: opts.since }),
          ...(opts.until && { until: opts.until }),
        })
        print(globals, page, () =>
          cli.page(
            cli.table(
              ['message', 'endpoint', 'status', 'tries', 'http', 'created'],
              page.data.map((d) => [d.messageId, d.endpointId, d.status, d.attempts, d.lastStatusCode, time(d.createdAt)]),
            ),
            page.nextCursor,
          ),
        )
      },
    ),
  )

  const attempts = program.command('attempts').description('the attempt log')
  examples(
    attempts
      .command('list')
      .description('attempts, newest first, of a delivery, a message or an endpoint')
      .option('--delivery <id>', 'of this delivery')
      .option('--message <id>', 'of this message')
      .option('--endpoint <id>', 'to this endpoint')
      .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
      .option('--cursor <cursor>', 'the next page, from a previous nextCursor'),
    ['hookrelay attempts list --message msg_01J…', 'hookrelay attempts list --endpoint ep_01J… --limit 10'],
  ).action(
    withRelay(async (relay, globals, opts: { delivery?: string; message?: string; endpoint?: string; limit: number; cursor?: string }) => {
      const page = await relay.attempts.list({
        limit: opts.limit,
        ...(opts.cursor && { cursor: opts.cursor }),
        ...(opts.delivery && { deliveryId: opts.delivery }),
        ...(opts.message && { messageId: opts.message }),
        ...(opts.endpoint && { endpointId: opts.endpoint }),
      })
      print(globals, page, () =>
        cli.page(
          cli.table(
            ['delivery', '#', 'started', 'ms', 'http', 'outcome', 'error / response'],
            page.data.map((a) => [a.deliveryId, a.number, time(a.startedAt), a.durationMs, a.statusCode, a.outcome, (a.error ?? a.responseBody ?? '').slice(0, 80)]),
          ),
          page.nextCursor,
        ),
      )
    }),
  )
}
