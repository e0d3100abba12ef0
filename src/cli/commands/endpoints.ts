import { Option, type Command } from 'commander'
import type { Endpoint } from '../../outbound/endpoints.js'
import { durationArg, intArg, jsonArg, timeArg } from '../args.js'
import { examples, type CliContext } from '../context.js'
import { time } from '../output.js'

const state = (e: Endpoint) => (e.disabled ? `disabled: ${e.disabledReason ?? ''}` : 'enabled')

/** `hookrelay endpoints …`: everything `relay.endpoints` does. */
export function endpointCommands(program: Command, cli: CliContext): void {
  const { withRelay, print } = cli
  const endpoints = program.command('endpoints').description('list, add, inspect, enable/disable, rotate, test and delete endpoints')

  examples(
    endpoints
      .command('list')
      .description('list endpoints, newest first (never shows secrets)')
      .option('--tenant <tenant>', 'only this tenant')
      .addOption(new Option('--disabled', 'only disabled endpoints').conflicts('enabled'))
      .option('--enabled', 'only enabled endpoints')
      .option('--limit <n>', 'at most n (1-1000)', intArg(1000), 50)
      .option('--cursor <cursor>', 'the next page, from a previous nextCursor'),
    ['hookrelay endpoints list --tenant acme', 'hookrelay endpoints list --disabled --json'],
  ).action(
    withRelay(async (relay, globals, opts: { tenant?: string; disabled?: boolean; enabled?: boolean; limit: number; cursor?: string }) => {
      const page = await relay.endpoints.list({
        limit: opts.limit,
        ...(opts.cursor && { cursor: opts.cursor }),
        ...(opts.tenant && { tenant: opts.tenant }),
        ...(opts.disabled && { disabled: true }),
        ...(opts.enabled && { disabled: false }),
      })
      print(globals, page, () =>
        cli.page(
          cli.table(
            ['id', 'url', 'event types', 'tenant', 'state', 'failing since'],
            page.data.map((e) => [e.id, e.url, e.eventTypes.join(', ') || '*', e.tenant, state(e), time(e.failingSince)]),
          ),
          page.nextCursor,
        ),
      )
    }),
  )

  examples(
    endpoints
      .command('add <url>')
      .description('create an endpoint and print it with its signing secret; with --uid, idempotent (an existing one is printed unchanged)')
      .option('--uid <uid>', 'your own id of the endpoint, unique per tenant: adding it again returns the existing endpoint')
      .option('--event-type <type...>', "event types to receive ('order.*' wildcards); default every type")
      .option('--channel <channel...>', 'channels to receive; default every channel')
      .option('--tenant <tenant>', 'the tenant it belongs to')
      .option('--description <text>', 'a description')
      .option('--allow-private', 'allow a loopback or private address (local development only)'),
    ["hookrelay endpoints add https://example.com/hooks --event-type 'order.*' --tenant acme", 'hookrelay endpoints add https://example.com/hooks --uid customer-42'],
  ).action(
    withRelay(async (relay, globals, url: string, opts: { uid?: string; eventType?: string[]; channel?: string[]; tenant?: string; description?: string }) => {
      const endpoint = await relay.endpoints.create({
        url,
        ...(opts.uid && { uid: opts.uid }),
        ...(opts.eventType && { eventTypes: opts.eventType }),
        ...(opts.channel && { channels: opts.channel }),
        ...(opts.tenant && { tenant: opts.tenant }),
        ...(opts.description && { description: opts.description }),
      })
      print(globals, endpoint, () =>
        cli.details([
          ['id', endpoint.id],
          ['uid', endpoint.uid],
          ['created', endpoint.created ? 'now' : 'no: it existed (printed unchanged)'],
          ['url', endpoint.url],
          ['event types', endpoint.eventTypes.length ? endpoint.eventTypes : '*'],
          ['tenant', endpoint.tenant],
          ['secret', endpoint.secret],
        ]),
      )
    }),
  )

  examples(
    endpoints
      .command('get <id-or-uid>')
      .description('one endpoint with its settings (never its secret), by id or by uid')
      .option('--tenant <tenant>', 'the tenant a uid is looked up in (default: no tenant)'),
    ['hookrelay endpoints get ep_01J…', 'hookrelay endpoints get customer-42 --tenant acme'],
  ).action(
    withRelay(async (relay, globals, id: string, opts: { tenant?: string }) => {
      const e = await relay.endpoints.get(id, opts.tenant ? { tenant: opts.tenant } : {})
      print(globals, e, () =>
        cli.details([
          ['id', e.id],
          ['uid', e.uid],
          ['url', e.url],
          ['description', e.description],
          ['tenant', e.tenant],
          ['event types', e.eventTypes.length ? e.eventTypes : '*'],
          ['channels', e.channels.length ? e.channels : '*'],
          ['state', state(e)],
          ['failing since', time(e.failingSince)],
          ['ordering', e.ordering],
          ['rate limit', e.rateLimit ? `${e.rateLimit.max} per ${e.rateLimit.perMs} ms` : ''],
          ['max concurrency', e.maxConcurrency],
          ['created', time(e.createdAt)],
        ]),
      )
    }),
  )

  examples(
    endpoints
      .command('disable <id>')
      .description('stop deliveries to an endpoint (what comes due is dead-lettered)')
      .option('--reason <text>', 'why', 'disabled from the CLI'),
    ["hookrelay endpoints disable ep_01J… --reason 'customer asked'"],
  ).action(
    withRelay(async (relay, globals, id: string, opts: { reason: string }) => {
      const endpoint = await relay.endpoints.disable(id, opts.reason)
      print(globals, endpoint, () => `Endpoint ${endpoint.id} disabled: ${endpoint.disabledReason ?? ''}`)
    }),
  )

  examples(endpoints.command('enable <id>').description('deliver to a disabled endpoint again'), ['hookrelay endpoints enable ep_01J…']).action(
    withRelay(async (relay, globals, id: string) => {
      const endpoint = await relay.endpoints.enable(id)
      print(globals, endpoint, () => `Endpoint ${endpoint.id} enabled.`)
    }),
  )

  examples(
    endpoints.command('delete <id>').description('delete an endpoint: it stops receiving, its history stays until retention purges it'),
    ['hookrelay endpoints delete ep_01J…'],
  ).action(
    withRelay(async (relay, globals, id: string) => {
      await relay.endpoints.delete(id)
      print(globals, { id, deleted: true }, () => `Endpoint ${id} deleted; its pending deliveries were discarded, its history kept.`)
    }),
  )

  examples(
    endpoints
      .command('rotate-secret <id>')
      .description('give an endpoint a new signing secret; the old one keeps signing for --keep-old-for')
      .option('--keep-old-for <duration>', 'how long both signatures are sent', durationArg, '24h'),
    ['hookrelay endpoints rotate-secret ep_01J… --keep-old-for 48h'],
  ).action(
    withRelay(async (relay, globals, id: string, opts: { keepOldFor: string }) => {
      const endpoint = await relay.endpoints.rotateSecret(id, { keepOldFor: opts.keepOldFor })
      print(globals, endpoint, () =>
        cli.details([
          ['id', endpoint.id],
          ['new secret', endpoint.secret],
          ['old secret valid for', opts.keepOldFor],
        ]),
      )
    }),
  )

  examples(
    endpoints
      .command('recover <id>')
      .description("re-queue an endpoint's deliveries dead-lettered since a time (after its outage is over)")
      .requiredOption('--since <time>', 'dead-lettered at or after (ISO time, epoch ms, or a duration ago: 6h)', timeArg),
    ['hookrelay endpoints recover ep_01J… --since 6h'],
  ).action(
    withRelay(async (relay, globals, id: string, opts: { since: Date }) => {
      const result = await relay.endpoints.recover(id, { since: opts.since, onProgress: cli.progress('re-queued') })
      print(globals, result, () => `Re-queued ${result.changed} of ${result.matched} deliveries of ${id}.`)
    }),
  )

  examples(
    endpoints
      .command('test <id>')
      .description("send a test message to one endpoint only, marked \"test\": true (the app's workers deliver it)")
      .option('--type <type>', "event type: with --catalog its first example is sent; default a webhook.test ping")
      .option('--data <json>', 'the data to send instead of the example', jsonArg),
    [
      'hookrelay endpoints test ep_01J…',
      'hookrelay endpoints test ep_01J… --type order.created --catalog ./dist/events.js',
      `hookrelay endpoints test ep_01J… --type order.created --data '{"id":"ord_1"}'`,
    ],
  ).action(
    withRelay(async (relay, globals, id: string, opts: { type?: string; data?: unknown }) => {
      const sent = await relay.endpoints.sendTest(id, {
        ...(opts.type !== undefined && { type: opts.type }),
        ...(opts.data !== undefined && { payload: opts.data }),
      })
      print(globals, sent, () => `Queued test message ${sent.messageId} (${sent.type}) for ${id} (delivery ${sent.deliveryIds[0] ?? 'none'}).`)
    }),
  )
}
