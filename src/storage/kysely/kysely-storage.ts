import type { Kysely } from 'kysely'
import type {
  AttemptRecord, DeliveryRecord, DeliveryStatus, EndpointRecord, InboundMessageRecord, InboundStatus, MessageRecord,
} from '../../core/types.js'
import type { StorageDialect } from '../dialect/dialect.js'
import { migrations as allMigrations, type Migration } from '../migrations/index.js'
import { toMillis } from '../schema/row-mappers.js'
import { kyselyPortalSessions, type PortalSessionStore } from './portal-sessions.js'
import { TABLE_NAMES, type HookrelayDatabase } from '../schema/database.js'
import type {
  AttemptFilter, ClaimedDelivery, ClaimOptions, DeliveryFilter, DueDelivery, DeliverySettlement, EndpointFilter,
  EndpointHealthUpdate, EndpointInsertResult, EndpointPatch, InboundFilter, InboundInsertResult, InboundSettlement, OutgoingMessage, Page,
  Storage, StorageTransaction, StorageWakeups, StoredMessage,
} from '../storage.js'
import { buildStatements, type KyselyStorageStatements } from './kysely-storage-statements.js'
import { TablePrefixPlugin } from './table-prefix-plugin.js'
import { kyselyOperatorQueries, type OperatorStatements } from './operator/kysely-operator-queries.js'
import * as endpointState from './endpoints/endpoint-state-queries.js'
import type { KyselyStorageOptions } from './kysely-storage-options.js'
import { runStorageTransaction, type StorageTransactionContext } from './outbox/run-storage-transaction.js'
import { settleDeliveries } from './delivery-queue/settle-batches.js'
import { settleInboundMessages } from './inbound/settle-inbound-batches.js'
import { runMigrations } from './run-migrations.js'
import { claimDeliveryRows, findBlockingDelivery, listDueDeliveries } from './delivery-queue/delivery-claims.js'
import { SqliteHotPath } from '../dialect/sqlite/sqlite-hot-path.js'
import { claimInboundMessages, insertInboundMessages } from './inbound/inbound-operations.js'
import type { ClaimSteps } from '../sql/claim-steps.js'
import * as endpointRows from './endpoints/endpoint-rows.js'
import { endpointNoticeStore, type EndpointNoticeStore } from './endpoints/endpoint-notices.js'
import { getEndpointByUid, insertEndpointOnce } from './endpoints/endpoint-uid-rows.js'
import * as reads from './delivery-log/record-reads.js'
import * as transitions from './delivery-log/status-transitions.js'
import * as inboundReads from './inbound/inbound-reads.js'
import * as inboundTransitions from './inbound/inbound-status-transitions.js'
import { IDS_PER_STATEMENT, unique, type Db } from './kysely-storage-helpers.js'

export type { KyselyStorageOptions } from './kysely-storage-options.js'

/**
 * The one implementation of the `Storage` port, on Kysely, for SQLite, Postgres and MySQL alike.
 * What differs between them lives in the `StorageDialect`; everything else is here.
 *
 * Lists are newest first (ids are time-sortable) and paginate by id: `nextCursor` is the id of
 * the last row of the page.
 */
export class KyselyStorage implements Storage {
  readonly dialect: StorageDialect['name']
  readonly wakeups?: StorageWakeups
  readonly notices: EndpointNoticeStore
  readonly portalSessions: PortalSessionStore
  readonly #raw: Kysely<any>
  readonly #db: Db
  readonly #sqlDialect: StorageDialect
  readonly #prefix: string
  readonly #schema: string | undefined
  readonly #prefixPlugin: TablePrefixPlugin
  readonly #migrations: readonly Migration[]
  readonly #onClose: (() => Promise<void>) | undefined
  /** The raw-SQL statements and the message store, on the real table names (see `kysely-storage-statements.ts`). */
  readonly #statements: KyselyStorageStatements
  /** The inbound claim's text by shape (sources, ids), built once (see `sql/claim-inbound.ts`). */
  readonly #inboundClaimSql = new Map<string, string | ClaimSteps>()
  readonly #announce: ((tx: Kysely<any>) => Promise<void>) | undefined
  /** SQLite: the claim and the settle run synchronously on the connection (see `sqlite-hot-path.ts`). */
  readonly #hotPath: SqliteHotPath | undefined
  /** What `send()`'s transactions need of this storage, made once (every send passes through it). */
  readonly #sendContext: StorageTransactionContext
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
    this.notices = endpointNoticeStore(this.#db)
    this.portalSessions = kyselyPortalSessions(() => this.#db)
    Object.assign(this, kyselyOperatorQueries(this.#db, this.#sqlDialect))
    const quoted = (table: keyof HookrelayDatabase) =>
      (this.#schema === undefined ? '' : `${this.#sqlDialect.quote(this.#schema)}.`) + this.#sqlDialect.quote(this.tableName(table))
    this.#statements = buildStatements(this.#sqlDialect, quoted, options.messageStore)
    this.#sendContext = {
      db: this.#db,
      dialect: this.#sqlDialect,
      scope: (db) => this.#scope(db),
      announce: this.#announce,
      messageStore: this.#statements.messageStore,
    }
    const hotTables = { attempts: quoted('attempts'), deliveries: quoted('deliveries'), endpoints: quoted('endpoints') }
    const connection = options.sqliteConnection
    this.#hotPath = connection && new SqliteHotPath(options.db, connection, this.#sqlDialect, hotTables, this.#statements.claimSql)
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
    await runMigrations(this.#db, this.#sqlDialect, this.#migrations, this.#prefix)
  }

  close(): Promise<void> {
    this.#closed ??= this.#onClose ? this.#onClose() : Promise.resolve()
    return this.#closed
  }

  /** `send()`'s transaction: the caller's (`external`, the outbox) or one of hookrelay's own. */
  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>, options?: { external?: unknown }): Promise<T> {
    return runStorageTransaction(this.#sendContext, fn, options?.external)
  }

  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    if (messages.length === 0) return Promise.resolve([])
    return this.#statements.messageStore.storeAlone(this.#db, messages)
  }

  // ---- endpoints ------------------------------------------------------------------------------

  async insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    return endpointRows.insertEndpoint(this.#db, endpoint)
  }

  async getEndpoint(id: string): Promise<EndpointRecord | undefined> {
    return endpointRows.getEndpoint(this.#db, id)
  }

  insertEndpointOnce(endpoint: EndpointRecord): Promise<EndpointInsertResult> {
    return insertEndpointOnce(this.#db, this.#sqlDialect, endpoint)
  }

  getEndpointByUid(uid: string, tenant: string | null): Promise<EndpointRecord | undefined> {
    return getEndpointByUid(this.#db, uid, tenant)
  }

  async listEndpoints(filter: EndpointFilter): Promise<Page<EndpointRecord>> {
    return endpointRows.listEndpoints(this.#db, filter)
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<EndpointRecord | undefined> {
    return endpointRows.updateEndpoint(this.#db, this.#sqlDialect, id, patch)
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
    return listDueDeliveries(this.#db, this.#statements.claimSql, options)
  }

  /** Claims due deliveries, oldest first, or only among `ids` (one statement, see `sql/claim-deliveries.ts`). */
  async #claim(options: ClaimOptions, ids: readonly string[] | undefined): Promise<ClaimedDelivery[]> {
    if (this.#hotPath) return this.#hotPath.claim(options, ids)
    return claimDeliveryRows(this.#db, this.#sqlDialect, this.#statements.claimSql, options, ids)
  }

  async findBlockingDelivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{ id: string; status: DeliveryStatus; nextAttemptAt: Date | null } | undefined> {
    return findBlockingDelivery(this.#db, endpointId, deliveryId)
  }

  async settle(settlements: readonly DeliverySettlement[], endpointUpdates: readonly EndpointHealthUpdate[] = []): Promise<void> {
    if (this.#hotPath) return this.#hotPath.settle(settlements, endpointUpdates)
    await settleDeliveries(this.#db, this.#statements.settleStatements, settlements, endpointUpdates)
  }

  // ---- reading and operating ------------------------------------------------------------------

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return reads.getMessage(this.#db, id)
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    return reads.getDelivery(this.#db, id)
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Page<DeliveryRecord>> {
    return reads.listDeliveries(this.#db, filter)
  }

  async listAttempts(filter: AttemptFilter): Promise<Page<AttemptRecord>> {
    return reads.listAttempts(this.#db, filter)
  }

  async requeueDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]> {
    return transitions.requeueDeliveries(this.#db, this.#sqlDialect, ids, fromStatuses, at)
  }

  async discardDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]> {
    return transitions.discardDeliveries(this.#db, this.#sqlDialect, ids, fromStatuses, at)
  }

  // ---- inbound --------------------------------------------------------------------------------

  async insertInboundMessage(message: InboundMessageRecord): Promise<InboundInsertResult> {
    return (await this.insertInboundMessages([message]))[0]!
  }

  async insertInboundMessages(messages: readonly InboundMessageRecord[]): Promise<InboundInsertResult[]> {
    return insertInboundMessages(this.#db, this.#statements.inboundStatements, messages)
  }

  async claimInboundMessages(
    options: ClaimOptions & { sources?: readonly string[]; ids?: readonly string[] },
  ): Promise<InboundMessageRecord[]> {
    return claimInboundMessages(this.#db, this.#sqlDialect, this.#statements.inboundTable, this.#inboundClaimSql, options)
  }

  async settleInbound(settlements: readonly InboundSettlement[]): Promise<void> {
    await settleInboundMessages(this.#db, this.#statements.settleStatements, settlements)
  }

  async getInboundMessage(id: string): Promise<InboundMessageRecord | undefined> {
    return inboundReads.getInboundMessage(this.#db, id)
  }

  async listInboundMessages(filter: InboundFilter): Promise<Page<InboundMessageRecord>> {
    return inboundReads.listInboundMessages(this.#db, filter)
  }

  async requeueInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]> {
    return inboundTransitions.requeueInboundMessages(this.#db, this.#sqlDialect, ids, fromStatuses, at)
  }

  async discardInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]> {
    return inboundTransitions.discardInboundMessages(this.#db, this.#sqlDialect, ids, fromStatuses, at)
  }

  // ---- operators: the bulk queries of kysely/operator/, bound in the constructor ----------------

  declare readonly listDeliveryIds: OperatorStatements['listDeliveryIds']
  declare readonly listInboundMessageIds: OperatorStatements['listInboundMessageIds']
  declare readonly endpointStats: OperatorStatements['endpointStats']
  declare readonly relayStats: OperatorStatements['relayStats']
  declare readonly disableFailingEndpoints: OperatorStatements['disableFailingEndpoints']
  declare readonly purgeDeliveries: OperatorStatements['purgeDeliveries']
  declare readonly purgeMessages: OperatorStatements['purgeMessages']
  declare readonly purgeInboundMessages: OperatorStatements['purgeInboundMessages']
}
