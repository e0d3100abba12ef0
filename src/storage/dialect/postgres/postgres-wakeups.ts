import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import pRetry, { AbortError } from 'p-retry'
import type { StorageWakeups } from '../../storage.js'

/**
 * What LISTEN needs of a `pg` client: `query`, the `notification` and `error` events. A
 * `pg.Client` and a client checked out of a `pg.Pool` both fit.
 */
export interface PgListenClient {
  query(text: string): Promise<unknown>
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  removeAllListeners(event?: string): unknown
}

/** Opens the one dedicated connection that LISTENs, and lets it go. */
export interface PgListenConnector {
  connect(): Promise<PgListenClient>
  /** Gives the client back: ends it, or releases it to its pool (destroyed when `broken`). */
  release(client: PgListenClient, broken: boolean): Promise<void>
}

/**
 * The NOTIFY channel of one set of hookrelay tables: a hash of schema and table prefix, so that
 * relays on other tables of the same database are not woken, and the name stays far below
 * Postgres' 63-character identifier limit whatever the schema and prefix.
 */
export function wakeupChannel(schema: string, tablePrefix: string): string {
  const hash = createHash('sha256').update(`${schema}\u0000${tablePrefix}`).digest('hex').slice(0, 24)
  return `hookrelay_work_${hash}`
}

/** `select pg_notify(channel, '')` in the `send()` transaction: delivered on commit, dropped on rollback. */
export function announceOn(channel: string): (tx: Kysely<any>) => Promise<void> {
  return async (tx) => {
    await sql`select pg_notify(${channel}, '')`.execute(tx)
  }
}

/** Reconnection backoff of the LISTEN connection. */
const RECONNECT = { retries: 1_000_000, minTimeout: 100, maxTimeout: 5_000, factor: 2, randomize: true, unref: true } as const

/**
 * Postgres LISTEN/NOTIFY wake-ups: one dedicated connection per `listen()` runs `LISTEN` and calls
 * `onWake` for every notification on the channel. When the connection drops it is replaced, with
 * jittered backoff, until `stop()`; after a reconnection `onWake` runs once, since notifications
 * sent meanwhile are lost. A hint only: workers still poll.
 */
export class PostgresWakeups implements StorageWakeups {
  readonly channel: string
  readonly #connector: PgListenConnector

  constructor(channel: string, connector: PgListenConnector) {
    this.channel = channel
    this.#connector = connector
  }

  listen(onWake: () => void, onError: (error: Error) => void = () => undefined): Promise<() => Promise<void>> {
    return this.subscribe(this.channel, () => onWake(), onError)
  }

  /**
   * Like `listen`, on any `channel`, with each notification's payload (`''` after a reconnection,
   * for what was missed). The dashboard's fleet-wide live feed listens this way (`liveChannel`).
   */
  async subscribe(channel: string, onMessage: (payload: string) => void, onError: (error: Error) => void = () => undefined): Promise<() => Promise<void>> {
    const onWake = () => onMessage('')
    const connector = this.#connector
    let stopped = false
    let current: PgListenClient | null = null
    let reconnecting: Promise<void> | null = null
    const stopController = new AbortController()
    /** Clients given back: their late 'error' or 'end' events are ignored (the listeners stay). */
    const released = new WeakSet<PgListenClient>()
    const release = (client: PgListenClient, broken: boolean) => {
      if (released.has(client)) return Promise.resolve()
      released.add(client)
      client.removeAllListeners('notification')
      return connector.release(client, broken).catch(() => undefined)
    }

    const open = async (): Promise<PgListenClient> => {
      const client = await connector.connect()
      const drop = (error: Error) => {
        if (released.has(client)) return
        if (current === client) current = null
        void release(client, true)
        if (stopped) return
        onError(error)
        reconnect()
      }
      // Attach before the first query: an 'error' event without a listener would crash the process.
      client.on('error', drop)
      client.on('end', () => drop(new Error('The LISTEN connection to Postgres ended.')))
      client.on('notification', (message) => {
        if (message.channel === channel) onMessage(message.payload ?? '')
      })
      try {
        await client.query(`LISTEN "${channel}"`)
      } catch (error) {
        await release(client, true)
        throw error
      }
      return client
    }

    const reconnect = () => {
      if (stopped || reconnecting) return
      reconnecting = pRetry(
        async () => {
          if (stopped) throw new AbortError('stopped')
          return open()
        },
        { ...RECONNECT, signal: stopController.signal, onFailedAttempt: ({ error }) => (stopped ? undefined : onError(error)) },
      )
        .then(async (client) => {
          if (stopped) return release(client, false)
          current = client
          onWake() // notifications sent while disconnected are lost: look once
        })
        .catch(() => undefined)
        .finally(() => {
          reconnecting = null
        })
    }

    current = await open()
    return async () => {
      if (stopped) return
      stopped = true
      stopController.abort()
      await reconnecting
      const client = current
      current = null
      if (!client) return
      try {
        await client.query(`UNLISTEN "${channel}"`)
      } catch {
        // The connection is going anyway.
      }
      await release(client, false)
    }
  }
}
