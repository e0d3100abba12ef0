import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Relay } from '../../relay.js'
import { PostgresWakeups } from '../../storage/dialect/postgres/postgres-wakeups.js'

/**
 * Where worker processes publish what they did, for dashboards in other processes: a broadcast
 * channel of short text messages (Postgres NOTIFY: at most 8,000 bytes each).
 */
export interface LiveChannel {
  publish(payload: string): Promise<void>
  /** Calls `onMessage` with every payload published by any process; returns the stop function. */
  subscribe(onMessage: (payload: string) => void, onError: (error: Error) => void): Promise<() => Promise<void>>
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
 * The fleet's live channel of `relay`'s tables, or `null` where there is none (SQLite: one
 * process's events are all there is). On Postgres it is a NOTIFY channel named after the tables'
 * wake-up channel, so relays on other tables of the database are not mixed in.
 */
export function liveChannelOf(relay: Relay): LiveChannel | null {
  const wakeups = relay.storage.wakeups
  if (!(wakeups instanceof PostgresWakeups)) return null
  const channel = wakeups.channel.replace(/^hookrelay_work_/, 'hookrelay_live_')
  return {
    async publish(payload) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(relay.storage.db)
    },
    subscribe: (onMessage, onError) => wakeups.subscribe(channel, (payload) => payload !== '' && onMessage(payload), onError),
  }
}
