import { Kysely, PostgresDialect, type PostgresPool } from 'kysely'
import { z } from 'zod'
import { KyselyStorage } from '../../kysely/kysely-storage.js'
import { guardedPool } from './guarded-pool.js'
import { loadOptionalPeer } from '../../load-peer.js'
import { parseOptions } from '../../options.js'
import { postgresDialect } from './postgres-dialect.js'
import { announceOn, PostgresWakeups, wakeupChannel, type PgListenClient } from './postgres-wakeups.js'
import type { MessageStore, SendTables } from '../../sql/message-store.js'
import { PostgresStoreMessages, type RunPrepared } from './postgres-store-messages.js'
import { preparedRunner } from './postgres-prepared.js'
import { oneConnectionSource } from '../connection-options.js'

/**
 * What hookrelay needs of a `pg.Pool` you hand in (the shape Kysely's `PostgresDialect` asks
 * for: `connect()` and `end()`), so `pg` stays an optional dependency.
 */
export interface PgPoolLike extends PostgresPool {}

/** Options of {@link postgresStorage}: exactly one of `connectionString`, `pool` and `db`. */
export interface PostgresStorageOptions {
  /**
   * A Postgres connection string; hookrelay creates (and `close()` ends) its own `pg.Pool`.
   * Exactly one of `connectionString`, `pool` and `db`.
   * @example postgresStorage({ connectionString: process.env.DATABASE_URL })
   */
  connectionString?: string | undefined
  /**
   * Your own `pg.Pool`. `close()` does not end it. hookrelay adds an `error` listener to every
   * client the pool hands out, so a connection dropped while checked out fails the query
   * instead of ending the process (pg-pool itself listens only on idle clients).
   * Exactly one of `connectionString`, `pool` and `db`.
   * @example postgresStorage({ pool: new pg.Pool({ connectionString }) })
   */
  pool?: PgPoolLike | undefined
  /**
   * Your own Kysely on Postgres. hookrelay runs its queries without your plugins (so a
   * `CamelCasePlugin` does not rename its columns) and `close()` does not destroy it.
   * hookrelay cannot reach this Kysely's connections: give its pool's clients an `error`
   * listener yourself (`pool.on('acquire', (c) => c.on('error', log))`), or pass `pool`, which
   * hookrelay guards, so a dropped connection fails a query instead of ending your process.
   * Exactly one of `connectionString`, `pool` and `db`.
   * @example postgresStorage({ db: myKysely })
   */
  db?: Kysely<any> | undefined
  /**
   * The Postgres schema of hookrelay's tables; `migrate()` creates it if missing.
   * @default 'public'
   * @example postgresStorage({ connectionString, schema: 'webhooks' })
   */
  schema?: string | undefined
  /**
   * Prepended to every table and index name: letters, digits and `_`.
   * @default 'hookrelay_'
   * @example postgresStorage({ connectionString, tablePrefix: '' }) // tables endpoints, deliveries, …
   */
  tablePrefix?: string | undefined
  /**
   * Size of the pool hookrelay creates; only with `connectionString`.
   * @default 10
   * @example postgresStorage({ connectionString, max: 20 })
   */
  max?: number | undefined
}

const identifier = (what: string, max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$|^$/, `${what} must contain only letters, digits and _ and not start with a digit`)

const optionsSchema = z
  .object({
    connectionString: z.string().min(1, 'must not be empty').optional(),
    pool: z
      .custom<PgPoolLike>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { connect?: unknown }).connect === 'function' &&
          typeof (value as { end?: unknown }).end === 'function',
        'must be a pg.Pool (an object with connect() and end())',
      )
      .optional(),
    db: z
      .custom<Kysely<any>>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { selectFrom?: unknown }).selectFrom === 'function' &&
          typeof (value as { withPlugin?: unknown }).withPlugin === 'function',
        'must be a Kysely instance',
      )
      .optional(),
    schema: identifier('schema', 63).min(1, 'must not be empty').optional(),
    tablePrefix: identifier('tablePrefix', 30).optional(),
    max: z.number().int('must be an integer').positive('must be at least 1').optional(),
  })
  .strict()
  .superRefine(oneConnectionSource(['connectionString', 'pool', 'db'] as const, ['connectionString']))


interface PgModule {
  Pool: new (config: { connectionString: string; max: number }) => PgPoolLike & {
    on(event: 'error', listener: (error: Error) => void): unknown
  }
  Client: new (config: { connectionString: string; keepAlive: boolean }) => PgListenClient & {
    connect(): Promise<void>
    end(): Promise<void>
  }
}

/** A pool client as LISTEN uses it; `release(true)` destroys it instead of returning it. */
type PoolListenClient = PgListenClient & { release(destroy?: boolean): void }

/** LISTEN on a client checked out of the caller's pool, kept for as long as wake-ups are on. */
function poolWakeups(channel: string, pool: PgPoolLike): PostgresWakeups {
  return new PostgresWakeups(channel, {
    async connect() {
      const client = (await pool.connect()) as unknown as Partial<PoolListenClient>
      if (typeof client.on !== 'function' || typeof client.removeAllListeners !== 'function') {
        ;(client as PoolListenClient).release()
        throw new Error('postgresStorage(): the pool\'s clients cannot LISTEN (they have no on()); wake-ups are off, workers poll.')
      }
      return client as PoolListenClient
    },
    async release(client, broken) {
      ;(client as PoolListenClient).release(broken)
    },
  })
}

/** LISTEN on a connection of its own, next to the pool, so the pool keeps all its connections. */
function clientWakeups(channel: string, pg: PgModule, connectionString: string): PostgresWakeups {
  return new PostgresWakeups(channel, {
    async connect() {
      const client = new pg.Client({ connectionString, keepAlive: true })
      client.on('error', () => undefined) // errors while connecting reject connect() instead
      await client.connect()
      return client
    },
    async release(client) {
      await (client as InstanceType<PgModule['Client']>).end()
    },
  })
}

/**
 * hookrelay on Postgres: for one process or many. Workers claim with `FOR UPDATE SKIP LOCKED`,
 * so any number of processes can share the tables. Call `migrate()` before use.
 *
 * @example
 * const storage = postgresStorage({ connectionString: process.env.DATABASE_URL })
 * await storage.migrate()
 */
export function postgresStorage(options: PostgresStorageOptions): KyselyStorage {
  const parsed = parseOptions(optionsSchema, options ?? {}, 'postgresStorage() options')
  const schema = parsed.schema ?? 'public'
  const tablePrefix = parsed.tablePrefix ?? 'hookrelay_'
  const dialect = postgresDialect({ schema })
  // Every send() announces its work on the channel; only pool and connection string can LISTEN
  // (a Kysely handed in hides its connections), but their workers hear sends made through any.
  const channel = wakeupChannel(schema, tablePrefix)
  const announce = announceOn(channel)
  const messageStore =
    (runPrepared?: RunPrepared) =>
    (tables: SendTables): MessageStore =>
      new PostgresStoreMessages(tables, channel, runPrepared)

  if (parsed.db) {
    return new KyselyStorage({ db: parsed.db, dialect, schema, tablePrefix, announce, messageStore: messageStore(), onClose: async () => undefined })
  }
  /** A storage on a pg pool: its clients guarded, sends as prepared statements on it, LISTEN by `wakeups`. */
  const onPool = (pool: PgPoolLike, wakeups: PostgresWakeups, close: (db: Kysely<any>) => Promise<void>) => {
    const guarded = guardedPool(pool)
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: guarded }) })
    return new KyselyStorage({
      db,
      dialect,
      schema,
      tablePrefix,
      announce,
      messageStore: messageStore(preparedRunner(guarded)),
      wakeups,
      onClose: () => close(db),
    })
  }
  if (parsed.pool) {
    // Destroying this Kysely would end the caller's pool: close() leaves it alone.
    return onPool(parsed.pool, poolWakeups(channel, parsed.pool), async () => undefined)
  }
  const pg = loadOptionalPeer<PgModule>('pg', 'postgresStorage()')
  const pool = new pg.Pool({ connectionString: parsed.connectionString!, max: parsed.max ?? 10 })
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next query simply gets a fresh connection.
  pool.on('error', () => undefined)
  return onPool(pool, clientWakeups(channel, pg, parsed.connectionString!), (db) => db.destroy())
}
