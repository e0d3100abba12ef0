import type { PostgresPool, PostgresPoolClient } from 'kysely'

/** What a pg client or pool offers to listen to. */
interface Listenable {
  on(event: string, listener: (value: never) => void): unknown
}

function canListen(value: unknown): value is Listenable {
  return typeof value === 'object' && value !== null && typeof (value as { on?: unknown }).on === 'function'
}

// The failure itself reaches whoever ran the statement (it rejects), so the event adds nothing.
const ignoreConnectionError = (): void => undefined

/**
 * A pg pool whose clients always have an `error` listener while they are checked out.
 *
 * pg-pool listens for errors only on idle clients; a checked-out client has none, and Kysely
 * adds none. When Postgres drops that connection (a restart, `pg_terminate_backend`, a
 * failover), the client emits `error` with nobody listening and Node ends the host process.
 * The gap is wider than "inside a transaction": a client is checked out synchronously while
 * pg parses the packet that finished its connect or its last query, so an error message in the
 * same packet is emitted before any caller could attach a listener. The guard is therefore
 * attached on the pool's `acquire` event, which pg-pool emits in that same synchronous step,
 * and again in `connect()` for pools without events.
 *
 * The listener only swallows the event: pg marks the client unusable, the statement in flight
 * (or the next one) rejects with the connection error, that operation fails as any failed
 * query does, and pg-pool discards the broken client on release. It is added once per client
 * and stays; on a pool you hand in it also covers your own checked-out clients.
 */
export function guardedPool(pool: PostgresPool): PostgresPool {
  const guarded = new WeakSet<object>()
  const guard = (client: unknown): void => {
    if (!canListen(client) || guarded.has(client)) return
    guarded.add(client)
    client.on('error', ignoreConnectionError)
  }
  if (canListen(pool)) pool.on('acquire', guard)
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      guard(client)
      return client
    },
    end: () => pool.end(),
  }
}
