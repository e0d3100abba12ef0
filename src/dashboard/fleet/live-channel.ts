import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Relay } from '../../relay.js'
import type { FleetBroadcast, QueueDriver } from '../../queue/queue-driver.js'
import { PostgresWakeups } from '../../storage/dialect/postgres/postgres-wakeups.js'

/**
 * Where worker processes publish what they did, for dashboards in other processes: a broadcast
 * channel of short text messages (Postgres NOTIFY: at most 8,000 bytes each; Redis PUBLISH).
 */
export type LiveChannel = FleetBroadcast

/** The queue driver of each relay, for the channels a driver offers (Redis). */
const queues = new WeakMap<Relay, QueueDriver>()

/** Called by the relay with its queue driver, so that the live feed can use the driver's channel. */
export function registerQueue(relay: Relay, queue: QueueDriver): void {
  queues.set(relay, queue)
}

/** Largest payload published: under Postgres' 8,000-byte NOTIFY limit. */
export const MAX_LIVE_PAYLOAD_BYTES = 7_800

const origins = new WeakMap<Relay, string>()

/** A random id of this relay instance, so a dashboard ignores what its own process published. */
export function originOf(relay: Relay): string {
  let origin = origins.get(relay)
  if (!origin) origins.set(relay, (origin = randomUUID()))
  return origin
}

/**
 * The fleet's live channel of `relay`'s tables, or `null` where there is none (SQLite with the
 * in-process queue: one process's events are all there is). On Postgres it is a NOTIFY channel
 * named after the tables' wake-up channel, so relays on other tables of the database are not mixed
 * in; otherwise the queue driver's broadcast where it has one (`redisQueue()`: Redis PUBLISH).
 */
export function liveChannelOf(relay: Relay): LiveChannel | null {
  const wakeups = relay.storage.wakeups
  if (!(wakeups instanceof PostgresWakeups)) return queues.get(relay)?.liveChannel?.() ?? null
  const channel = wakeups.channel.replace(/^hookrelay_work_/, 'hookrelay_live_')
  return {
    async publish(payload) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(relay.storage.db)
    },
    subscribe: (onMessage, onError) => wakeups.subscribe(channel, (payload) => payload !== '' && onMessage(payload), onError),
  }
}
