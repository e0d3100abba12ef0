import { Option, type Command } from 'commander'
import { durationArg } from '../args.js'
import { toMilliseconds } from '../../core/duration.js'
import { examples, type CliContext } from '../context.js'
import { time } from '../output.js'
import { subscribeToRedis } from '../tail/redis-tail.js'
import { TailFeed, type TailEvent } from '../tail/tail-feed.js'

/** One human line per event: time, what, and the ids the other commands take. */
export function tailLine(e: TailEvent): string {
  const at = time(e.at)
  switch (e.event) {
    case 'delivery.attempt': {
      const answer = e.statusCode ?? e.error ?? ''
      return `${at}  attempt  ${e.endpointId}  ${e.messageId}  #${e.attempt} ${e.outcome} ${answer} (${e.durationMs} ms${e.trigger === 'manual' ? ', manual' : ''})`
    }
    case 'delivery.dead':
      return `${at}  dead     ${e.endpointId}  ${e.messageId}  ${e.deliveryId} ${e.reason ?? ''} ${e.lastStatusCode ?? e.lastError ?? ''}`.trimEnd()
    case 'inbound.received':
      return `${at}  inbound  ${e.source}  ${e.id}  ${e.type} (${e.webhookId}) ${e.status}`
    case 'inbound.dead':
      return `${at}  dead in  ${e.source}  ${e.id}  ${e.type} ${e.reason ?? ''} ${e.lastError ?? ''}`.trimEnd()
    case 'circuit.opened':
      return `${at}  circuit  ${e.endpointId}  opened${e.until ? ` until ${time(e.until)}` : ''}`
    case 'circuit.closed':
      return `${at}  circuit  ${e.endpointId}  closed`
  }
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C), which then no longer ends the process by itself. */
function interrupted(): { done: Promise<void>; dispose: () => void } {
  let resolve!: () => void
  const done = new Promise<void>((r) => (resolve = r))
  const on = () => resolve()
  process.once('SIGINT', on)
  process.once('SIGTERM', on)
  return { done, dispose: () => void (process.off('SIGINT', on), process.off('SIGTERM', on)) }
}

/** `hookrelay tail`: live delivery attempts, dead letters and received webhooks, until Ctrl-C. */
export function tailCommand(program: Command, cli: CliContext): void {
  examples(
    program
      .command('tail')
      .description('live: delivery attempts, dead letters and received webhooks, as the workers write them (Ctrl-C stops)')
      .option('--interval <duration>', 'how often to read the tables', durationArg, '1s')
      .option('--lookback <duration>', 'how far back each read looks for attempts written late (keep above delivery.timeout)', durationArg, '60s')
      .addOption(new Option('--redis-url <url>', "the Redis of redisQueue(): its wake-ups, and circuit changes as they happen").env('HOOKRELAY_REDIS_URL'))
      .option('--redis-prefix <prefix>', "redisQueue()'s keyPrefix", 'hookrelay:'),
    [
      'hookrelay tail',
      'hookrelay tail --json | jq .',
      'hookrelay tail --interval 250ms --database-url postgres://app@db/app',
      'hookrelay tail --database-url postgres://app@db/app --redis-url redis://cache:6379',
    ],
  ).action(
    cli.withRelay(async (relay, globals, opts: { interval: string; lookback: string; redisUrl?: string; redisPrefix: string }) => {
      const intervalMs = toMilliseconds(opts.interval, '--interval')
      const feed = new TailFeed(relay, { lookbackMs: toMilliseconds(opts.lookback, '--lookback') })
      const stop = interrupted()
      let stopped = false
      void stop.done.then(() => (stopped = true))
      let wake: (() => void) | null = null
      const wakeUp = () => wake?.()

      // Postgres: a NOTIFY when a send commits reads at once; the interval is the guarantee (and
      // what finds attempts, which announce nothing). Elsewhere: the interval alone.
      // (SQLite's wake-ups are this process's own outbox commits: nothing to hear from the workers.)
      const postgres = /^postgres(ql)?:/i.test(globals.databaseUrl ?? '')
      const wakeups = postgres ? relay.storage.wakeups : undefined
      const unlisten = wakeups ? await wakeups.listen(wakeUp, (error) => cli.io.err(`tail: wake-ups: ${error.message}`)) : null
      const print = (event: TailEvent) => cli.io.out(globals.json ? JSON.stringify(event) : tailLine(event))
      const unsubscribe = opts.redisUrl
        ? await subscribeToRedis({
            url: opts.redisUrl,
            namespace: `${opts.redisPrefix}${await relay.storage.databaseId()}:`,
            onWake: wakeUp,
            onCircuit: (c) =>
              print({ event: c.state === 'open' ? 'circuit.opened' : 'circuit.closed', at: new Date(), endpointId: c.endpointId, until: c.until === null ? null : new Date(c.until) }),
            onError: (error) => cli.io.err(`tail: redis: ${error.message}`),
          })
        : null
      const woken = [unlisten && 'LISTEN/NOTIFY', unsubscribe && 'Redis pub/sub'].filter(Boolean).join(' and ')
      cli.io.err(
        `tailing: ${woken ? `woken by ${woken}, and ` : ''}reading the tables every ${opts.interval}` +
          `${woken ? '' : ' (no cross-process wake-ups on this storage)'}; Ctrl-C stops.`,
      )
      try {
        while (!stopped) {
          try {
            for (const event of await feed.poll()) print(event)
          } catch (error) {
            // A database that is down: say so and keep trying, as the workers do.
            cli.io.err(`tail: ${(error as Error).message}`)
          }
          if (stopped) break
          await Promise.race([
            stop.done,
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, intervalMs)
              wake = () => {
                clearTimeout(timer)
                resolve()
              }
            }),
          ])
          wake = null
        }
      } finally {
        stop.dispose()
        await unlisten?.()
        await unsubscribe?.()
        cli.io.err('tail: stopped.')
      }
    }),
  )
}
