import { CompiledQuery, sql, type Kysely, type Transaction, type UpdateObject } from 'kysely'
import { HookrelayError, ValidationError } from '../core/errors.js'
import type {
  AttemptRecord,
  DeliveryRecord,
  DeliveryStatus,
  EndpointRecord,
  InboundMessageRecord,
  InboundStatus,
  MessageRecord,
} from '../core/types.js'
import { runTransaction } from './run-transaction.js'
import type { StorageDialect } from './dialect.js'
import { migrations as allMigrations, type Migration } from './migrations/index.js'
import {
  attemptFromRow,
  attemptToRow,
  deliveryFromRow,
  deliveryToRow,
  endpointFromRow,
  endpointPatchToRow,
  endpointToRow,
  inboundMessageFromRow,
  messageFromRow,
  messageToRow,
  toMillis,
  toNullableDate,
  type DeliveryRow,
  type EndpointRow,
  type MessageRow,
  type InboundMessageRow,
} from './row-mappers.js'
import { TABLE_NAMES, type HookrelayDatabase } from './schema.js'
import type {
  AttemptFilter,
  ClaimedDelivery,
  ClaimOptions,
  DeliveryFilter,
  DueDelivery,
  DeliverySettlement,
  EndpointFilter,
  EndpointHealthUpdate,
  EndpointPatch,
  InboundFilter,
  InboundInsertResult,
  InboundSettlement,
  OutgoingMessage,
  Page,
  Storage,
  StorageTransaction,
  StorageWakeups,
  StoredMessage,
} from './storage.js'
import { CLAIMABLE_DELIVERY, CLAIMABLE_INBOUND } from './claimable.js'
import { SettleStatements } from './settle-statements.js'
import { InboundStatements } from './inbound-statements.js'
import { claimInboundParameters, claimInboundSql } from './sql/claim-inbound.js'
import { listDueDeliveriesSql } from './sql/list-due-deliveries.js'
import { claimDeliveriesParameters, claimDeliveriesSql, selectByIdsSql } from './sql/claim-deliveries.js'
import { TablePrefixPlugin } from './table-prefix-plugin.js'
import * as admin from './kysely-admin-queries.js'
import * as endpointState from './endpoint-state-queries.js'
import type { MessageStore, SendTables } from './sql/message-store.js'
import type { DeliveryIdFilter, EndpointStatsRecord, PurgeBatchResult, RelayStatsRecord, TimeWindow } from './operations.js'

/** Where `KyselyStorage` keeps its tables and how it reaches them. */
export interface KyselyStorageOptions {
  /**
   * The Kysely to run on, as the application sees it: without hookrelay's table prefix or schema.
   * This is what `storage.db` returns, for outbox transactions.
   */
  readonly db: Kysely<any>
  /** The database-specific bits: claim locking and the migration lock. */
  readonly dialect: StorageDialect
  /** Prepended to every table and index name. Default `'hookrelay_'`. */
  readonly tablePrefix?: string
  /** Postgres schema of the tables; `undefined` uses the connection's default (SQLite: always). */
  readonly schema?: string
  /** Releases what the factory opened (a pool, a database file); called once by `close()`. */
  readonly onClose?: () => Promise<void>
  /** Migrations to apply; defaults to hookrelay's own. For tests of the migrator. */
  readonly migrations?: readonly Migration[]
  /**
   * Announces new work inside a `send()` transaction (Postgres: `pg_notify`, delivered on commit).
   * `tx` is the transaction, scoped to hookrelay's tables. Default: nothing (workers poll).
   */
  readonly announce?: (tx: Kysely<any>) => Promise<void>
  /** Wake-ups to expose as `storage.wakeups` (Postgres LISTEN, SQLite outbox commits). Default: none. */
  readonly wakeups?: StorageWakeups
  /** How `send()`'s writes are made on this database (`storeMessages`), given the real table names. */
  readonly messageStore: (tables: SendTables) => MessageStore
}

const DEFAULT_PAGE_LIMIT = 50
const MAX_PAGE_LIMIT = 1000
/** Rows per multi-row statement: keeps bound parameters far below SQLite's and Postgres' limits. */
const ROWS_PER_STATEMENT = 500
const IDS_PER_STATEMENT = 1000

type Db = Kysely<HookrelayDatabase>

/** A row of the claim statement: the delivery, with its message and endpoint (returned or read next). */
type ClaimedRow = DeliveryRow & { message?: MessageRow | undefined; endpoint?: EndpointRow | null | undefined }

/**
 * The one implementation of the `Storage` port, on Kysely, for Postgres and SQLite alike.
 * What differs between the two lives in the `StorageDialect`; everything else is here.
 *
 * Lists are newest first (ids are time-sortable) and paginate by id: `nextCursor` is the id of
 * the last row of the page.
 */
export class KyselyStorage implements Storage {
  readonly dialect: 'sqlite' | 'postgres'
  readonly wakeups?: StorageWakeups
  readonly #raw: Kysely<any>
  readonly #db: Db
  readonly #sqlDialect: StorageDialect
  readonly #prefix: string
  readonly #schema: string | undefined
  readonly #prefixPlugin: TablePrefixPlugin
  readonly #migrations: readonly Migration[]
  readonly #onClose: (() => Promise<void>) | undefined
  readonly #settleStatements: SettleStatements
  readonly #inboundStatements: InboundStatements
  readonly #inboundTable: string
  /** The inbound claim's text by shape (sources, ids), built once (see `sql/claim-inbound.ts`). */
  readonly #inboundClaimSql = new Map<string, string>()
  /** The claim statements' text, built once (see `sql/claim-deliveries.ts`). */
  readonly #claimSql: { due: string; byIds: string; messages: string; endpoints: string; listDue: string }
  readonly #announce: ((tx: Kysely<any>) => Promise<void>) | undefined
  readonly #messageStore: MessageStore
  #closed: Promise<void> | undefined
  #databaseId: Promise<string> | undefined

  constructor(options: KyselyStorageOptions) {
    this.#raw = options.db
    this.#sqlDialect = options.dialect
    this.dialect = options.dialect.name
    this.#prefix = options.tablePrefix ?? 'hookrelay_'
    this.#schema = options.schema
    this.#prefixPlugin = new TablePrefixPlugin(this.#prefix, TABLE_NAMES)
    this.#migrations = options.migrations ?? allMigrations
    this.#onClose = options.onClose
    this.#announce = options.announce
    if (options.wakeups) this.wakeups = options.wakeups
    this.#db = this.#scope(options.db)
    const quoted = (table: keyof HookrelayDatabase) =>
      (this.#schema === undefined ? '' : `"${this.#schema}".`) + `"${this.tableName(table)}"`
    this.#settleStatements = new SettleStatements(
      { attempts: quoted('attempts'), deliveries: quoted('deliveries'), inboundMessages: quoted('inbound_messages') },
      this.#sqlDialect,
    )
    this.#messageStore = options.messageStore({
      endpoints: quoted('endpoints'),
      messages: quoted('messages'),
      deliveries: quoted('deliveries'),
    })
    this.#inboundStatements = new InboundStatements(quoted('inbound_messages'), (index) => this.#sqlDialect.parameter(index))
    this.#inboundTable = quoted('inbound_messages')
    const claimTables = { deliveries: quoted('deliveries'), messages: quoted('messages'), endpoints: quoted('endpoints') }
    this.#claimSql = {
      due: claimDeliveriesSql(this.#sqlDialect, claimTables, false),
      byIds: claimDeliveriesSql(this.#sqlDialect, claimTables, true),
      messages: selectByIdsSql(this.#sqlDialect, claimTables.messages),
      endpoints: selectByIdsSql(this.#sqlDialect, claimTables.endpoints),
      listDue: listDueDeliveriesSql(this.#sqlDialect, claimTables.deliveries),
    }
  }

  /**
   * The Kysely this storage runs on, as the application sees it (no table prefix, no schema), for
   * outbox transactions: `storage.db.transaction().execute((tx) => relay.send(event, { transaction: tx }))`.
   * On SQLite it is the only connection to the file, so use it rather than a second connection.
   * Do not destroy it; `close()` does what is needed.
   */
  get db(): Kysely<any> {
    return this.#raw
  }

  /** The real name of a logical table, e.g. `deliveries` → `hookrelay_deliveries`. */
  tableName(table: keyof HookrelayDatabase): string {
    return this.#prefix + table
  }

  /** Applies hookrelay's table prefix and schema, and removes the caller's plugins (e.g. CamelCasePlugin). */
  #scope<T extends Kysely<any>>(executor: T): Db {
    let scoped = executor.withoutPlugins().withPlugin(this.#prefixPlugin)
    if (this.#schema !== undefined) scoped = scoped.withSchema(this.#schema)
    return scoped as Db
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async migrate(): Promise<void> {
    await this.#sqlDialect.withMigrationLock(this.#db, async (tx) => {
      await tx.schema
        .createTable('migrations')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'bigint', (c) => c.notNull())
        .execute()
      const applied = new Set(
        (await tx.selectFrom('migrations').select('name').execute()).map((row: { name: string }) => row.name),
      )
      for (const migration of this.#migrations) {
        if (applied.has(migration.name)) continue
        await migration.up(tx, { prefix: this.#prefix })
        await tx.insertInto('migrations').values({ name: migration.name, applied_at: Date.now() }).execute()
      }
    })
  }

  close(): Promise<void> {
    this.#closed ??= this.#onClose ? this.#onClose() : Promise.resolve()
    return this.#closed
  }

  async transaction<T>(fn: (tx: StorageTransaction) => Promise<T>, options?: { external?: unknown }): Promise<T> {
    const external = options?.external
    if (external !== undefined && external !== null) {
      if (!isKyselyExecutor(external)) {
        throw new ValidationError(
          'transaction: `external` must be a Kysely Transaction (or Kysely) on the same database as the storage, ' +
            'e.g. the `tx` of `storage.db.transaction().execute((tx) => …)`.',
          [{ path: ['transaction'], message: 'not a Kysely executor' }],
        )
      }
      return fn(new KyselyStorageTransaction(this.#scope(external), this.#announce, this.#messageStore, true))
    }
    return runTransaction(this.#db, (tx) => fn(new KyselyStorageTransaction(tx, this.#announce, this.#messageStore, false)))
  }

  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    if (messages.length === 0) return Promise.resolve([])
    return this.#messageStore.storeAlone(this.#db, messages)
  }

  // ---- endpoints ------------------------------------------------------------------------------

  async insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    await this.#db.insertInto('endpoints').values(endpointToRow(endpoint)).execute()
  }

  async getEndpoint(id: string): Promise<EndpointRecord | undefined> {
    const row = await this.#db
      .selectFrom('endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return row && endpointFromRow(row)
  }

  async listEndpoints(filter: EndpointFilter): Promise<Page<EndpointRecord>> {
    const limit = pageLimit(filter.limit)
    let query = this.#db.selectFrom('endpoints').selectAll().where('deleted_at', 'is', null)
    if (filter.tenant !== undefined) {
      query = filter.tenant === null ? query.where('tenant', 'is', null) : query.where('tenant', '=', filter.tenant)
    }
    if (filter.disabled !== undefined) {
      query = query.where('disabled_at', filter.disabled ? 'is not' : 'is', null)
    }
    if (filter.cursor) query = query.where('id', '<', filter.cursor)
    const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute()
    return toPage(rows, limit, endpointFromRow)
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<EndpointRecord | undefined> {
    const row = await this.#db
      .updateTable('endpoints')
      .set({ updated_at: Date.now(), ...endpointPatchToRow(patch) })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return row && endpointFromRow(row)
  }

  deleteEndpoint(id: string, at: Date = new Date()): Promise<boolean> {
    return endpointState.softDeleteEndpoint(this.#db, id, toMillis(at))
  }

  setEndpointCircuit(id: string, openUntil: Date | null): Promise<void> {
    return endpointState.updateEndpointCircuit(this.#db, id, openUntil === null ? null : toMillis(openUntil))
  }

  getEndpointCircuit(id: string): Promise<{ openUntil: Date | null } | undefined> {
    return endpointState.selectEndpointCircuit(this.#db, id)
  }

  databaseId(): Promise<string> {
    this.#databaseId ??= endpointState.selectDatabaseId(this.#db).catch((error: unknown) => {
      this.#databaseId = undefined
      throw error
    })
    return this.#databaseId
  }

  // ---- delivering -----------------------------------------------------------------------------

  claimDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.#claim(options, undefined)
  }

  claimDeliveriesByIds(ids: readonly string[], options: ClaimOptions): Promise<ClaimedDelivery[]> {
    const chosen = unique(ids).slice(0, IDS_PER_STATEMENT)
    if (chosen.length === 0) return Promise.resolve([])
    return this.#claim(options, chosen)
  }

  async listDueDeliveries(options: { now: Date; limit: number; horizonMs?: number }): Promise<DueDelivery[]> {
    checkClaimOptions({ ...options, owner: '', leaseMs: 1 })
    const now = toMillis(options.now)
    const horizon = now + Math.max(0, options.horizonMs ?? 0)
    const { rows } = await this.#db.executeQuery<{ id: string; next_attempt_at: number | string }>(
      CompiledQuery.raw(this.#claimSql.listDue, [horizon, now, options.limit]),
    )
    return rows.map((row) => ({ deliveryId: row.id, dueAt: new Date(Number(row.next_attempt_at)) }))
  }

  /** Claims due deliveries, oldest first, or only among `ids` (one statement, see `sql/claim-deliveries.ts`). */
  async #claim(options: ClaimOptions, ids: readonly string[] | undefined): Promise<ClaimedDelivery[]> {
    checkClaimOptions(options)
    const dialect = this.#sqlDialect
    const text = ids ? this.#claimSql.byIds : this.#claimSql.due
    const result = await this.#db.executeQuery<ClaimedRow>(
      CompiledQuery.raw(text, claimDeliveriesParameters(dialect, options, ids)),
    )
    const rows = result.rows
    if (rows.length === 0) return []
    if (!dialect.claimReturnsRelated) await this.#readRelated(rows)
    const claimed = rows.map((row): ClaimedDelivery => {
      const delivery = deliveryFromRow(row)
      if (!row.message) {
        // The foreign key makes this impossible unless the tables were edited by hand.
        throw new HookrelayError('STORAGE_INCONSISTENT', `Delivery ${delivery.id} refers to a missing message ${delivery.messageId}.`)
      }
      return { delivery, message: messageFromRow(row.message), endpoint: row.endpoint ? endpointFromRow(row.endpoint) : undefined }
    })
    return claimed.sort((a, b) => byId(a.delivery, b.delivery))
  }

  /** Attaches their message and endpoint rows to claimed rows, where the claim could not return them. */
  async #readRelated(rows: ClaimedRow[]): Promise<void> {
    const dialect = this.#sqlDialect
    const messages = new Map<string, MessageRow>()
    const endpoints = new Map<string, EndpointRow>()
    const read = async <R extends { id: string }>(text: string, ids: readonly string[], into: Map<string, R>) => {
      for (const chunk of chunks(ids, IDS_PER_STATEMENT)) {
        const found = await this.#db.executeQuery<R>(CompiledQuery.raw(text, [dialect.listParameter(chunk)]))
        for (const row of found.rows) into.set(row.id, row)
      }
    }
    await read(this.#claimSql.messages, unique(rows.map((r) => r.message_id)), messages)
    await read(this.#claimSql.endpoints, unique(rows.map((r) => r.endpoint_id)), endpoints)
    for (const row of rows) {
      row.message = messages.get(row.message_id)
      row.endpoint = endpoints.get(row.endpoint_id)
    }
  }

  async findBlockingDelivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{ id: string; status: DeliveryStatus; nextAttemptAt: Date | null } | undefined> {
    const row = await this.#db
      .selectFrom('deliveries')
      .select(['id', 'status', 'next_attempt_at'])
      .where('endpoint_id', '=', endpointId)
      // Literal, as in the partial index (endpoint_id, id) of unfinished deliveries it reads.
      .where(sql<boolean>`${sql.raw(CLAIMABLE_DELIVERY)}`)
      .where('id', '<', deliveryId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    return row
      ? { id: row.id, status: row.status as DeliveryStatus, nextAttemptAt: toNullableDate(row.next_attempt_at) }
      : undefined
  }

  async settle(
    settlements: readonly DeliverySettlement[],
    endpointUpdates: readonly EndpointHealthUpdate[] = [],
  ): Promise<void> {
    if (settlements.length === 0 && endpointUpdates.length === 0) return
    await runTransaction(this.#db, async (tx) => {
      const attempts = settlements.flatMap((s) => (s.attempt ? [attemptToRow(s.attempt)] : []))
      for (const chunk of chunks(attempts, ROWS_PER_STATEMENT)) {
        await this.#settleStatements.insertAttempts(tx, chunk)
      }
      for (const chunk of chunks(settlements, ROWS_PER_STATEMENT)) {
        await this.#settleStatements.settleDeliveries(tx, chunk)
      }
      await applyEndpointHealth(tx, endpointUpdates)
    })
  }

  // ---- reading and operating ------------------------------------------------------------------

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const row = await this.#db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()
    return row && messageFromRow(row)
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.#db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst()
    return row && deliveryFromRow(row)
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Page<DeliveryRecord>> {
    const limit = pageLimit(filter.limit)
    const query = admin.whereDeliveries(this.#db.selectFrom('deliveries').selectAll('deliveries'), filter)
    const rows = await query.orderBy('deliveries.id', 'desc').limit(limit + 1).execute()
    return toPage(rows, limit, deliveryFromRow)
  }

  async listAttempts(filter: AttemptFilter): Promise<Page<AttemptRecord>> {
    const limit = pageLimit(filter.limit)
    let query = this.#db.selectFrom('attempts').selectAll()
    if (filter.deliveryId !== undefined) query = query.where('delivery_id', '=', filter.deliveryId)
    if (filter.messageId !== undefined) query = query.where('message_id', '=', filter.messageId)
    if (filter.endpointId !== undefined) query = query.where('endpoint_id', '=', filter.endpointId)
    if (filter.cursor) query = query.where('id', '<', filter.cursor)
    const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute()
    return toPage(rows, limit, attemptFromRow)
  }

  async requeueDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]> {
    const when = toMillis(at)
    return this.#transition('deliveries', ids, fromStatuses, {
      status: 'pending',
      next_attempt_at: when,
      lease_owner: null,
      dead_reason: null,
      next_trigger: 'manual',
      completed_at: null,
      updated_at: when,
    })
  }


  async discardDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]> {
    const when = toMillis(at)
    return this.#transition('deliveries', ids, without(fromStatuses, 'discarded'), {
      status: 'discarded',
      next_attempt_at: null,
      lease_owner: null,
      completed_at: when,
      updated_at: when,
    })
  }


  // ---- inbound --------------------------------------------------------------------------------

  async insertInboundMessage(
    message: InboundMessageRecord,
  ): Promise<{ inserted: true } | { inserted: false; existing: InboundMessageRecord }> {
    return (await this.insertInboundMessages([message]))[0]!
  }

  async insertInboundMessages(messages: readonly InboundMessageRecord[]): Promise<InboundInsertResult[]> {
    if (messages.length === 0) return []
    // The first message of each (source, webhookId) is written; later ones in the batch are its duplicates.
    const firstOf = new Map<string, number>()
    const writes: InboundMessageRecord[] = []
    messages.forEach((message, i) => {
      const key = inboundKey(message)
      if (firstOf.has(key)) return
      firstOf.set(key, i)
      writes.push(message)
    })
    const inserted = new Set<string>()
    const write = async (db: Kysely<any>) => {
      for (const chunk of chunks(writes, ROWS_PER_STATEMENT)) {
        for (const id of await this.#inboundStatements.insert(db, chunk)) inserted.add(id)
      }
    }
    // One statement is its own transaction; a larger batch commits its statements together.
    if (writes.length <= ROWS_PER_STATEMENT) await write(this.#db)
    else await runTransaction(this.#db, write)

    const conflicts = writes.filter((m) => !inserted.has(m.id))
    const stored = new Map<string, InboundMessageRecord>()
    for (const chunk of chunks(conflicts, IDS_PER_STATEMENT / 2)) {
      for (const row of await this.#inboundStatements.selectByKeys(this.#db, chunk)) {
        const record = inboundMessageFromRow(row)
        stored.set(inboundKey(record), record)
      }
    }
    return messages.map((message, i): InboundInsertResult => {
      const key = inboundKey(message)
      const first = messages[firstOf.get(key)!]!
      if (inserted.has(first.id)) return i === firstOf.get(key) ? { inserted: true } : { inserted: false, existing: first }
      const existing = stored.get(key)
      if (!existing) {
        // Postgres: the conflicting row was committed but deleted since (retention), or is not visible.
        throw new HookrelayError(
          'STORAGE_CONFLICT',
          `Inbound webhook ${JSON.stringify(message.webhookId)} of ${JSON.stringify(message.source)} conflicted with a row that is not visible; retry.`,
        )
      }
      return { inserted: false, existing }
    })
  }

  async claimInboundMessages(
    options: ClaimOptions & { sources?: readonly string[]; ids?: readonly string[] },
  ): Promise<InboundMessageRecord[]> {
    checkClaimOptions(options)
    if ((options.sources && options.sources.length === 0) || (options.ids && options.ids.length === 0)) return []
    const ids = options.ids ? unique(options.ids).slice(0, IDS_PER_STATEMENT) : undefined
    const sources = options.sources ? unique(options.sources) : undefined
    const shape = { bySources: sources !== undefined, byIds: ids !== undefined }
    const key = `${shape.bySources ? 's' : ''}${shape.byIds ? 'i' : ''}`
    let text = this.#inboundClaimSql.get(key)
    if (text === undefined) {
      text = claimInboundSql(this.#sqlDialect, this.#inboundTable, shape)
      this.#inboundClaimSql.set(key, text)
    }
    const { rows } = await this.#db.executeQuery<InboundMessageRow>(
      CompiledQuery.raw(text, claimInboundParameters(this.#sqlDialect, options, sources, ids)),
    )
    return rows.map(inboundMessageFromRow).sort(byId)
  }

  async settleInbound(settlements: readonly InboundSettlement[]): Promise<void> {
    if (settlements.length === 0) return
    await runTransaction(this.#db, async (tx) => {
      for (const chunk of chunks(settlements, ROWS_PER_STATEMENT)) {
        await this.#settleStatements.settleInbound(tx, chunk)
      }
    })
  }

  async getInboundMessage(id: string): Promise<InboundMessageRecord | undefined> {
    const row = await this.#db.selectFrom('inbound_messages').selectAll().where('id', '=', id).executeTakeFirst()
    return row && inboundMessageFromRow(row)
  }

  async listInboundMessages(filter: InboundFilter): Promise<Page<InboundMessageRecord>> {
    const limit = pageLimit(filter.limit)
    const query = admin.whereInbound(this.#db.selectFrom('inbound_messages').selectAll(), filter)
    const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute()
    return toPage(rows, limit, inboundMessageFromRow)
  }


  async requeueInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]> {
    const when = toMillis(at)
    return this.#transition('inbound_messages', ids, fromStatuses, {
      status: 'pending',
      next_attempt_at: when,
      lease_owner: null,
      dead_reason: null,
      processed_at: null,
      updated_at: when,
    })
  }


  async discardInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]> {
    const when = toMillis(at)
    return this.#transition('inbound_messages', ids, without(fromStatuses, 'discarded'), {
      status: 'discarded',
      next_attempt_at: null,
      lease_owner: null,
      processed_at: when,
      updated_at: when,
    })
  }


  /**
   * Moves the rows among `ids` whose status is in `fromStatuses` to the state `set` describes, in
   * chunks, and returns the ids that changed (sorted): repeating a transition changes nothing.
   */
  async #transition<T extends 'deliveries' | 'inbound_messages'>(
    table: T,
    ids: readonly string[],
    fromStatuses: readonly string[],
    set: UpdateObject<HookrelayDatabase, T>,
  ): Promise<string[]> {
    if (ids.length === 0 || fromStatuses.length === 0) return []
    const changed: string[] = []
    for (const chunk of chunks(unique(ids), IDS_PER_STATEMENT)) {
      const rows = await (this.#db as Kysely<HookrelayDatabase>)
        .updateTable(table as 'deliveries')
        .set(set as UpdateObject<HookrelayDatabase, 'deliveries'>)
        .where('id', 'in', chunk)
        .where('status', 'in', [...fromStatuses])
        .returning('id')
        .execute()
      changed.push(...rows.map((r) => r.id))
    }
    return changed.sort()
  }

  // ---- operators (queries in kysely-admin-queries.ts) -----------------------------------------

  listDeliveryIds(filter: DeliveryIdFilter): Promise<Page<string>> {
    return admin.selectDeliveryIds(this.#db, filter)
  }

  listInboundMessageIds(filter: InboundFilter): Promise<Page<string>> {
    return admin.selectInboundIds(this.#db, filter)
  }

  endpointStats(endpointId: string, window: TimeWindow): Promise<EndpointStatsRecord> {
    return admin.selectEndpointStats(this.#db, endpointId, window)
  }

  relayStats(window: TimeWindow, now: Date): Promise<RelayStatsRecord> {
    return admin.selectRelayStats(this.#db, window, now)
  }

  disableFailingEndpoints(failingBefore: Date, reason: string, at: Date): Promise<string[]> {
    return admin.disableFailingEndpoints(this.#db, failingBefore, reason, at)
  }

  purgeDeliveries(olderThan: Date, limit: number): Promise<PurgeBatchResult> {
    return admin.purgeDeliveriesBatch(this.#db, this.#sqlDialect, olderThan, limit)
  }

  purgeMessages(olderThan: Date, limit: number): Promise<number> {
    return admin.purgeMessagesBatch(this.#db, this.#sqlDialect, olderThan, limit)
  }

  purgeInboundMessages(olderThan: Date, limit: number): Promise<number> {
    return admin.purgeInboundBatch(this.#db, this.#sqlDialect, olderThan, limit)
  }
}

/** The writes of `send()`, on hookrelay's own transaction or on the caller's. */
class KyselyStorageTransaction implements StorageTransaction {
  readonly #db: Db
  readonly #announce: ((tx: Kysely<any>) => Promise<void>) | undefined
  readonly #messageStore: MessageStore
  readonly #external: boolean

  constructor(
    db: Db,
    announce: ((tx: Kysely<any>) => Promise<void>) | undefined,
    messageStore: MessageStore,
    external: boolean,
  ) {
    this.#db = db
    this.#announce = announce
    this.#messageStore = messageStore
    this.#external = external
  }

  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    if (messages.length === 0) return Promise.resolve([])
    return this.#messageStore.store(this.#db, messages, { external: this.#external })
  }

  async listRoutableEndpoints(tenant: string | null): Promise<EndpointRecord[]> {
    let query = this.#db.selectFrom('endpoints').selectAll().where('disabled_at', 'is', null).where('deleted_at', 'is', null)
    query = tenant === null ? query.where('tenant', 'is', null) : query.where('tenant', '=', tenant)
    const rows = await query.orderBy('id').execute()
    return rows.map(endpointFromRow)
  }

  async getEndpoints(ids: readonly string[]): Promise<EndpointRecord[]> {
    const result: EndpointRecord[] = []
    for (const chunk of chunks(unique(ids), IDS_PER_STATEMENT)) {
      const rows = await this.#db
        .selectFrom('endpoints')
        .selectAll()
        .where('id', 'in', chunk)
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .execute()
      result.push(...rows.map(endpointFromRow))
    }
    return result
  }

  async insertMessage(
    message: MessageRecord,
    idempotencyScope: string | null,
  ): Promise<{ inserted: true } | { inserted: false; existing: MessageRecord; deliveryIds: string[] }> {
    const insert = this.#db.insertInto('messages').values(messageToRow(message, idempotencyScope))
    if (idempotencyScope === null) {
      await insert.execute()
      return { inserted: true }
    }
    // On Postgres a concurrent insert of the same scope waits here until the first transaction
    // commits (then inserts nothing) or rolls back (then inserts).
    const inserted = await insert
      .onConflict((oc) => oc.column('idempotency_scope').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (inserted) return { inserted: true }
    const row = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('idempotency_scope', '=', idempotencyScope)
      .executeTakeFirst()
    if (!row) {
      throw new HookrelayError(
        'STORAGE_CONFLICT',
        'A message with the same idempotency key exists but is not visible to this transaction ' +
          '(is it REPEATABLE READ or SERIALIZABLE?). Use READ COMMITTED for send(), or retry.',
      )
    }
    const deliveries = await this.#db
      .selectFrom('deliveries')
      .select('id')
      .where('message_id', '=', row.id)
      .orderBy('id')
      .execute()
    return { inserted: false, existing: messageFromRow(row), deliveryIds: deliveries.map((d) => d.id) }
  }

  async insertNewMessages(messages: readonly MessageRecord[]): Promise<void> {
    for (const chunk of chunks(messages, ROWS_PER_STATEMENT)) {
      await this.#db.insertInto('messages').values(chunk.map((m) => messageToRow(m, null))).execute()
    }
  }

  async insertDeliveries(deliveries: readonly DeliveryRecord[]): Promise<void> {
    for (const chunk of chunks(deliveries, ROWS_PER_STATEMENT)) {
      await this.#db.insertInto('deliveries').values(chunk.map(deliveryToRow)).execute()
    }
  }

  async announceWork(): Promise<void> {
    // Wake-ups come from the factory (Postgres NOTIFY); without them workers poll.
    await this.#announce?.(this.#db)
  }
}

// ---- settle helpers -----------------------------------------------------------------------------

/** Endpoint health: success clears `failing_since`, failure sets it once, disable sets the reason once. */
async function applyEndpointHealth(
  tx: Transaction<HookrelayDatabase>,
  updates: readonly EndpointHealthUpdate[],
): Promise<void> {
  let successes: string[] = []
  const flushSuccesses = async () => {
    if (successes.length === 0) return
    await tx
      .updateTable('endpoints')
      .set({ failing_since: null })
      .where('id', 'in', unique(successes))
      .where('failing_since', 'is not', null)
      .execute()
    successes = []
  }
  for (const update of updates) {
    if (update.kind === 'success') {
      successes.push(update.endpointId)
      continue
    }
    await flushSuccesses()
    if (update.kind === 'failure') {
      await tx
        .updateTable('endpoints')
        .set({ failing_since: toMillis(update.at) })
        .where('id', '=', update.endpointId)
        .where('failing_since', 'is', null)
        .execute()
    } else {
      await tx
        .updateTable('endpoints')
        .set({ disabled_at: toMillis(update.at), disabled_reason: update.reason, updated_at: toMillis(update.at) })
        .where('id', '=', update.endpointId)
        .where('disabled_at', 'is', null)
        .execute()
    }
  }
  await flushSuccesses()
}

// ---- small helpers ------------------------------------------------------------------------------

function isKyselyExecutor(value: unknown): value is Kysely<any> {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return (
    typeof candidate.withoutPlugins === 'function' &&
    typeof candidate.withPlugin === 'function' &&
    typeof candidate.withSchema === 'function' &&
    typeof candidate.selectFrom === 'function' &&
    typeof candidate.getExecutor === 'function'
  )
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}; got ${String(limit)}.`, [
      { path: ['limit'], message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` },
    ])
  }
  return limit
}

function toPage<R extends { id: string }, T>(rows: readonly R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  return { data: pageRows.map(map), nextCursor: more ? pageRows[pageRows.length - 1]!.id : null }
}

function checkClaimOptions(options: ClaimOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw new ValidationError(`claim limit must be a positive integer; got ${String(options.limit)}.`)
  }
  if (!Number.isFinite(options.leaseMs) || options.leaseMs <= 0) {
    throw new ValidationError(`claim leaseMs must be a positive number of milliseconds; got ${String(options.leaseMs)}.`)
  }
}

/** The inbound idempotency key, unambiguous whatever characters the parts contain. */
function inboundKey(message: { source: string; webhookId: string }): string {
  return `${message.source.length}:${message.source}${message.webhookId}`
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}

function* chunks<T>(values: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < values.length; i += size) yield values.slice(i, i + size)
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function without<T>(values: readonly T[], excluded: T): T[] {
  return values.filter((v) => v !== excluded)
}
