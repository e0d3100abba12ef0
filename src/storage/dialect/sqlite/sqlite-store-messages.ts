import { CompiledQuery, type Kysely, type SqliteDatabase } from 'kysely'
import { HookrelayError, OutboxTransactionError } from '../../../core/errors.js'
import { CompiledFilters } from '../../../core/filters/compiled-filters.js'
import { planFanOut, routableEndpoints, tenantsToRoute, type RoutableEndpoint } from '../../sql/route-message.js'
import type { OutgoingMessage, StoredMessage } from '../../storage.js'
import { checkExplicitTargets, explicitIds } from '../../sql/explicit-targets.js'
import { powerOfTwoChunks } from './fixed-chunks.js'
import { DELIVERY_COLUMNS, MESSAGE_COLUMNS, type MessageStore, type SendTables } from '../../sql/message-store.js'
import { immediateTransaction } from './immediate-transactions.js'
import type { OutboxConnection } from '../../transactions/outbox-connection.js'
import type { TransactionState } from './sqlite-commit-wakeups.js'

/** Runs one statement synchronously and returns its rows. */
type RunSync = (text: string, params: readonly unknown[]) => Record<string, unknown>[]

/** The file of a connection's main database ('' in memory). */
const MAIN_FILE = "select file from pragma_database_list where name = 'main'"

/** One statement the program asks to run; it is given back the rows. */
interface Query {
  text: string
  params: unknown[]
}

/** The writes of `storeMessages` as a program of statements, run synchronously or through Kysely. */
type Program = Generator<Query, StoredMessage[], Record<string, unknown>[]>

/**
 * `storeMessages` on SQLite, as hand-written statements: SQLite has no data-modifying CTEs, so a
 * batch takes a few statements: the endpoints of each tenant read once and routed here, every
 * message in one `INSERT … ON CONFLICT DO NOTHING RETURNING id`, every delivery in one multi-row
 * insert. Row counts go in powers of two (see `powerOfTwoChunks`), so the statement cache holds a
 * handful of texts per table whatever the batch sizes; each text is built once.
 *
 * The statements are written once, as a generator, and run three ways. In a caller's Kysely
 * transaction they go through the caller's Kysely. On a caller's better-sqlite3 connection (the
 * Database itself, or under a Drizzle or Knex transaction) they run synchronously on it, under a
 * savepoint, so that `send()` inside `db.transaction(fn)` writes before it returns. On their own (`storeAlone`, every `send()` outside an
 * outbox) they run synchronously on the better-sqlite3 connection, between one `BEGIN` and
 * `COMMIT`, while Kysely's connection is held so no other transaction of the process interleaves:
 * one acquisition per batch instead of a Kysely round of promises, plugins and result
 * transforms per statement.
 */
export class SqliteStoreMessages implements MessageStore {
  readonly #tables: SendTables
  readonly #database: SqliteDatabase
  readonly #afterOutboxWrite: (connection?: TransactionState) => void
  readonly #texts = new Map<string, string>()
  #file: string | undefined
  readonly #filters = new CompiledFilters()

  /**
   * `database` is the connection hookrelay's Kysely runs on (with its statement cache).
   * `afterOutboxWrite` is called when deliveries were written in a caller's transaction, whose
   * commit hookrelay does not see: SQLite has no NOTIFY, so something must watch for the commit
   * (on `connection`, the caller's, when it is not hookrelay's own).
   */
  constructor(
    tables: SendTables,
    database: SqliteDatabase,
    afterOutboxWrite: (connection?: TransactionState) => void = () => undefined,
  ) {
    this.#tables = tables
    this.#database = database
    this.#afterOutboxWrite = afterOutboxWrite
  }

  async store(
    db: Kysely<any>,
    items: readonly OutgoingMessage[],
    options: { external: boolean; connection?: OutboxConnection },
  ): Promise<StoredMessage[]> {
    // No await before this: inside a synchronous `db.transaction(fn)` the writes must happen now.
    if (options.connection?.runSync) return this.#storeOn(options.connection.runSync, options.connection, items)
    const program = this.#program(items)
    let step = program.next()
    while (!step.done) {
      const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(step.value.text, step.value.params))
      step = program.next(rows as Record<string, unknown>[])
    }
    if (options.external && wroteDeliveries(step.value)) this.#afterOutboxWrite(options.connection?.transactionState)
    return step.value
  }

  /**
   * Writes synchronously on the caller's connection, inside its open transaction, under a
   * savepoint: a send refused halfway (an unknown endpoint id, a full disk) leaves nothing of
   * itself in the caller's transaction, which stays usable.
   */
  #storeOn(run: RunSync, connection: OutboxConnection, items: readonly OutgoingMessage[]): StoredMessage[] {
    this.#checkSameFile(run)
    run('savepoint hookrelay_send', [])
    let results: StoredMessage[]
    try {
      results = this.#runSync(items, run)
      run('release hookrelay_send', [])
    } catch (error) {
      try {
        run('rollback to hookrelay_send', [])
        run('release hookrelay_send', [])
      } catch {
        // The caller's transaction is gone (SQLite ended it on a full disk, say): keep the original error.
      }
      throw error
    }
    if (wroteDeliveries(results)) this.#afterOutboxWrite(connection.transactionState ?? {})
    return results
  }

  /** Refuses a connection to another database file than hookrelay's (its tables there would be another relay's, or none). */
  #checkSameFile(run: RunSync): void {
    const mainFile = (rows: readonly Record<string, unknown>[]) => String(rows[0]?.file ?? '')
    this.#file ??= mainFile(this.#database.prepare(MAIN_FILE).all([]) as Record<string, unknown>[])
    const theirs = mainFile(run(MAIN_FILE, []))
    // Two in-memory connections are two databases, but a handle that hides its connection
    // (Drizzle) cannot be told apart from ours: missing tables then say NOT_MIGRATED.
    if (theirs === this.#file) return
    const shown = (file: string) => (file === '' ? 'an in-memory or temporary database' : JSON.stringify(file))
    throw new OutboxTransactionError(
      'WRONG_DATABASE',
      `The transaction given to send() is on ${shown(theirs)}, but this relay stores its messages in ${shown(this.#file)}: ` +
        'open the transaction on a connection to the relay\'s database file (for instance the Database you gave sqliteStorage()).',
    )
  }

  /** Runs the program synchronously, statement by statement, through `run`. */
  #runSync(items: readonly OutgoingMessage[], run: RunSync): StoredMessage[] {
    const program = this.#program(items)
    let step = program.next()
    while (!step.done) step = program.next(run(step.value.text, step.value.params))
    return step.value
  }

  storeAlone(db: Kysely<any>, items: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    const database = this.#database
    return immediateTransaction(db, database, () =>
      this.#runSync(items, (text, params) => {
        const statement = database.prepare(text)
        if (statement.reader) return statement.all(params) as Record<string, unknown>[]
        statement.run(params)
        return []
      }),
    )
  }

  *#program(items: readonly OutgoingMessage[]): Program {
    // Explicit targets first: a refused message must not leave anything behind in a caller's transaction.
    const wanted = explicitIds(items)
    if (wanted.length > 0) {
      const tenants = new Map<string, string | null>()
      for (const ids of powerOfTwoChunks(wanted)) {
        const text = this.#text(`targets:${ids.length}`, () =>
          `select id, tenant from ${this.#tables.endpoints} where deleted_at is null and id in (${marks(ids.length, 1)})`)
        for (const row of yield { text, params: ids }) tenants.set(row.id as string, row.tenant as string | null)
      }
      checkExplicitTargets(items, tenants)
    }

    // Messages without a scope cannot conflict: a plain insert, cheaper than RETURNING.
    const inserted = new Set<string>()
    for (const scoped of [false, true]) {
      const some = items.filter((item) => (item.idempotencyScope !== null) === scoped)
      for (const chunk of powerOfTwoChunks(some)) {
        const text = this.#text(`messages:${scoped}:${chunk.length}`, () =>
          `insert into ${this.#tables.messages} (${MESSAGE_COLUMNS}) values ${marks(chunk.length, 9)}` +
            (scoped ? ' on conflict (idempotency_scope) do nothing returning id' : ''))
        const params: unknown[] = []
        for (const { message: m, idempotencyScope } of chunk) {
          params.push(m.id, m.tenant, m.type, m.payload, JSON.stringify(m.channels), m.idempotencyKey, idempotencyScope, m.createdAt.getTime(), m.traceContext ?? null)
        }
        const rows = yield { text, params }
        if (scoped) for (const row of rows) inserted.add(row.id as string)
        else for (const { message } of chunk) inserted.add(message.id)
      }
    }

    const routable = new Map<string | null, RoutableEndpoint[]>()
    for (const tenant of tenantsToRoute(items, inserted)) {
      routable.set(tenant, routableEndpoints(yield this.#routableQuery(tenant), this.#filters))
    }
    const { results, deliveryRows, duplicates } = planFanOut(items, inserted, routable)

    for (const chunk of powerOfTwoChunks(deliveryRows)) {
      const text = this.#text(`deliveries:${chunk.length}`, () =>
        `insert into ${this.#tables.deliveries} (${DELIVERY_COLUMNS}) values ` +
          Array.from({ length: chunk.length }, () => "(?, ?, ?, 'pending', 0, ?, null, null, null, null, 'scheduled', ?, ?, null)").join(', '))
      yield { text, params: chunk.flat() }
    }

    if (duplicates.length > 0) yield* this.#fillDuplicates(duplicates, results)
    return results
  }

  /** The first message of each duplicate's scope, with its delivery ids. */
  *#fillDuplicates(duplicates: readonly { index: number; scope: string }[], results: StoredMessage[]): Generator<Query, void, Record<string, unknown>[]> {
    const stored = new Map<string, string>()
    for (const chunk of powerOfTwoChunks(duplicates.map((d) => d.scope))) {
      const text = this.#text(`scopes:${chunk.length}`, () =>
        `select id, idempotency_scope from ${this.#tables.messages} where idempotency_scope in (${marks(chunk.length, 1)})`)
      for (const row of yield { text, params: chunk }) stored.set(row.idempotency_scope as string, row.id as string)
    }
    const deliveryIds = new Map<string, string[]>()
    for (const chunk of powerOfTwoChunks([...stored.values()])) {
      const text = this.#text(`delivered:${chunk.length}`, () =>
        `select id, message_id from ${this.#tables.deliveries} where message_id in (${marks(chunk.length, 1)}) order by id`)
      for (const row of yield { text, params: chunk }) {
        const ids = deliveryIds.get(row.message_id as string) ?? []
        ids.push(row.id as string)
        deliveryIds.set(row.message_id as string, ids)
      }
    }
    for (const { index, scope } of duplicates) {
      const messageId = stored.get(scope)
      if (messageId === undefined) {
        throw new HookrelayError('STORAGE_CONFLICT', 'A message with the same idempotency key exists but could not be read; retry.')
      }
      results[index] = { duplicate: true, messageId, deliveryIds: deliveryIds.get(messageId) ?? [] }
    }
  }

  #routableQuery(tenant: string | null): Query {
    const text = this.#text(tenant === null ? 'routable:null' : 'routable', () =>
      `select id, event_types, channels, filter from ${this.#tables.endpoints} ` +
        `where disabled_at is null and deleted_at is null and tenant ${tenant === null ? 'is null' : '= ?'} order by id`)
    return { text, params: tenant === null ? [] : [tenant] }
  }

  #text(key: string, build: () => string): string {
    let text = this.#texts.get(key)
    if (text === undefined) this.#texts.set(key, (text = build()))
    return text
  }
}


function wroteDeliveries(results: readonly StoredMessage[]): boolean {
  return results.some((r) => !r.duplicate && r.deliveries.length > 0)
}

/** `rows` groups of `columns` placeholders: `(?, ?), (?, ?)`, or `?, ?, ?` for one column. */
function marks(rows: number, columns: number): string {
  if (columns === 1) return Array.from({ length: rows }, () => '?').join(', ')
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`
  return Array.from({ length: rows }, () => row).join(', ')
}
