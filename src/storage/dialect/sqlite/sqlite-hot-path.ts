import type { Kysely, SqliteDatabase } from 'kysely'
import type { StorageDialect } from '../dialect.js'
import { immediateTransaction } from './immediate-transactions.js'
import { claimedFromRows, type ClaimedRow, type ClaimSql } from '../../kysely/delivery-queue/delivery-claims.js'
import { cached, checkClaimOptions, chunks, IDS_PER_STATEMENT, ROWS_PER_STATEMENT, unique } from '../../kysely/kysely-storage-helpers.js'
import { reduceHealth } from '../../kysely/endpoints/reduce-health.js'
import { attemptToRow, type EndpointRow, type MessageRow } from '../../schema/row-mappers.js'
import { claimDeliveriesParameters } from '../../sql/claim-deliveries.js'
import { insertAttemptsParameters, insertAttemptsSql } from '../../sql/insert-attempts.js'
import { settleDeliveriesParameters, settleDeliveriesSql } from '../../sql/settle-deliveries.js'
import type { ClaimedDelivery, ClaimOptions, DeliverySettlement, EndpointHealthUpdate } from '../../storage.js'

/** The real, quoted names of the tables the hot path writes. */
export interface HotPathTables {
  readonly attempts: string
  readonly deliveries: string
  readonly endpoints: string
}

/**
 * The claim and the settle on SQLite, run synchronously on the better-sqlite3 connection that
 * Kysely runs on, while Kysely's connection is held (so no other transaction of this process
 * interleaves), as `send()` already is (`SqliteStoreMessages.storeAlone`). The statements are the
 * very texts the Kysely path runs (`sql/`); what goes is, per statement, Kysely's round of
 * promises, plugins and result transforms, which cost more CPU than SQLite spent running them.
 */
export class SqliteHotPath {
  readonly #kysely: Kysely<any>
  readonly #database: SqliteDatabase
  readonly #dialect: StorageDialect
  readonly #tables: HotPathTables
  readonly #claimSql: ClaimSql
  readonly #insertSql = new Map<number, string>()
  readonly #settleSql = new Map<number, string>()
  readonly #health: { clear: string; start: string; restart: string; disable: string }

  /** `database` must be the connection `kysely` runs on (with its statement cache). */
  constructor(kysely: Kysely<any>, database: SqliteDatabase, dialect: StorageDialect, tables: HotPathTables, claimSql: ClaimSql) {
    this.#kysely = kysely
    this.#database = database
    this.#dialect = dialect
    this.#tables = tables
    this.#claimSql = claimSql
    // As `applyEndpointHealth` (and folded the same way, by `reduceHealth`).
    this.#health = {
      clear: `update ${tables.endpoints} set failing_since = null where id ${dialect.inList(1)} and failing_since is not null`,
      start: `update ${tables.endpoints} set failing_since = ? where id = ? and failing_since is null`,
      restart: `update ${tables.endpoints} set failing_since = ? where id = ?`,
      disable: `update ${tables.endpoints} set disabled_at = ?, disabled_reason = ?, updated_at = ? where id = ? and disabled_at is null`,
    }
  }

  /** `claimDeliveryRows`, in one turn: the leasing `UPDATE … RETURNING`, then the messages and endpoints it names. */
  claim(options: ClaimOptions, ids: readonly string[] | undefined): Promise<ClaimedDelivery[]> {
    checkClaimOptions(options)
    return this.#kysely.connection().execute(async () => {
      const db = this.#database
      const text = ids ? this.#claimSql.byIds : this.#claimSql.due
      const rows = db.prepare(text).all(claimDeliveriesParameters(this.#dialect, options, ids)) as ClaimedRow[]
      if (rows.length === 0) return []
      const messages = this.#byId<MessageRow>(this.#claimSql.messages, unique(rows.map((r) => r.message_id)))
      const endpoints = this.#byId<EndpointRow>(this.#claimSql.endpoints, unique(rows.map((r) => r.endpoint_id)))
      for (const row of rows) {
        row.message = messages.get(row.message_id)
        row.endpoint = endpoints.get(row.endpoint_id)
      }
      return claimedFromRows(rows)
    })
  }

  /** `settleDeliveries` in one transaction: the attempts, the guarded settle, the endpoints' health. */
  settle(settlements: readonly DeliverySettlement[], endpointUpdates: readonly EndpointHealthUpdate[]): Promise<void> {
    if (settlements.length === 0 && endpointUpdates.length === 0) return Promise.resolve()
    return immediateTransaction(this.#kysely, this.#database, () => {
      const db = this.#database
      const attempts = []
      for (const s of settlements) if (s.attempt) attempts.push(attemptToRow(s.attempt))
      for (const chunk of chunks(attempts, ROWS_PER_STATEMENT)) {
        const text = cached(this.#insertSql, chunk.length, () =>
          insertAttemptsSql(this.#dialect, this.#tables.attempts, this.#tables.deliveries, chunk.length),
        )
        db.prepare(text).run(insertAttemptsParameters(this.#dialect, chunk))
      }
      for (const chunk of chunks(settlements, ROWS_PER_STATEMENT)) {
        const text = cached(this.#settleSql, chunk.length, () => settleDeliveriesSql(this.#dialect, this.#tables.deliveries, chunk.length))
        db.prepare(text).run(settleDeliveriesParameters(this.#dialect, chunk))
      }
      this.#applyHealth(endpointUpdates)
    })
  }

  #applyHealth(updates: readonly EndpointHealthUpdate[]): void {
    if (updates.length === 0) return
    const db = this.#database
    const { clear, start, restart, disable } = reduceHealth(updates)
    for (const chunk of chunks(clear, IDS_PER_STATEMENT)) db.prepare(this.#health.clear).run([this.#dialect.listParameter(chunk)])
    for (const { endpointId, at } of start) db.prepare(this.#health.start).run([at, endpointId])
    for (const { endpointId, at } of restart) db.prepare(this.#health.restart).run([at, endpointId])
    for (const { endpointId, reason, at } of disable) db.prepare(this.#health.disable).run([at, reason, at, endpointId])
  }

  #byId<R extends { id: string }>(text: string, ids: readonly string[]): Map<string, R> {
    const found = new Map<string, R>()
    for (const chunk of chunks(ids, IDS_PER_STATEMENT)) {
      for (const row of this.#database.prepare(text).all([this.#dialect.listParameter(chunk)]) as R[]) found.set(row.id, row)
    }
    return found
  }
}
