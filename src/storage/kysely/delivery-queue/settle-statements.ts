import { CompiledQuery, type Kysely } from 'kysely'
import type { StorageDialect } from '../../dialect/dialect.js'
import type { DeliverySettlement, InboundSettlement } from '../../storage.js'
import type { AttemptRowValues } from '../../schema/row-mappers.js'
import { insertAttemptsParameters, insertAttemptsSql } from '../../sql/insert-attempts.js'
import { settleDeliveriesParameters, settleDeliveriesSql } from '../../sql/settle-deliveries.js'
import { settleInboundParameters, settleInboundSql } from '../../sql/settle-inbound.js'
import { cached } from '../kysely-storage-helpers.js'

/**
 * Runs the statements every settled batch runs (their text is in `sql/`), built once per batch
 * size and run as compiled queries. They are the hottest writes hookrelay makes; building them
 * through Kysely's query builder cost more CPU than the database spent running them.
 */
export class SettleStatements {
  readonly #tables: { attempts: string; deliveries: string; inboundMessages: string }
  readonly #dialect: StorageDialect
  readonly #insertSql = new Map<number, string>()
  readonly #updateSql = new Map<number, string>()
  readonly #inboundSql = new Map<number, string>()

  /** The tables' real, quoted (and schema-qualified) names. */
  constructor(tables: { attempts: string; deliveries: string; inboundMessages: string }, dialect: StorageDialect) {
    this.#tables = tables
    this.#dialect = dialect
  }

  /** Inserts attempts, skipping those whose delivery no longer exists (its endpoint was deleted mid-attempt). */
  async insertAttempts(db: Kysely<any>, rows: readonly AttemptRowValues[]): Promise<void> {
    const text = cached(this.#insertSql, rows.length, () =>
      insertAttemptsSql(this.#dialect, this.#tables.attempts, this.#tables.deliveries, rows.length),
    )
    await db.executeQuery(CompiledQuery.raw(text, insertAttemptsParameters(this.#dialect, rows)))
  }

  /** One guarded `UPDATE … FROM <batch>` for a batch of settled deliveries. */
  async settleDeliveries(db: Kysely<any>, batch: readonly DeliverySettlement[]): Promise<void> {
    const text = cached(this.#updateSql, batch.length, () =>
      settleDeliveriesSql(this.#dialect, this.#tables.deliveries, batch.length),
    )
    await db.executeQuery(CompiledQuery.raw(text, settleDeliveriesParameters(this.#dialect, batch)))
  }

  /** The inbound counterpart of `settleDeliveries`. */
  async settleInbound(db: Kysely<any>, batch: readonly InboundSettlement[]): Promise<void> {
    const text = cached(this.#inboundSql, batch.length, () =>
      settleInboundSql(this.#dialect, this.#tables.inboundMessages, batch.length),
    )
    await db.executeQuery(CompiledQuery.raw(text, settleInboundParameters(this.#dialect, batch)))
  }
}
