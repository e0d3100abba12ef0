import { CompiledQuery, type Kysely } from 'kysely'
import type { DeliverySettlement, InboundSettlement } from './storage.js'
import type { AttemptRowValues } from './row-mappers.js'

type SqlType = 'text' | 'bigint' | 'integer'

const ATTEMPT_COLUMNS = [
  'id', 'delivery_id', 'message_id', 'endpoint_id', 'number', 'started_at',
  'duration_ms', 'status_code', 'response_body', 'error', 'outcome', 'triggered_by',
] as const
const ATTEMPT_TYPES: readonly SqlType[] = ['text', 'text', 'text', 'text', 'integer', 'bigint', 'integer', 'integer', 'text', 'text', 'text', 'text']
const SETTLE_TYPES: readonly SqlType[] = ['text', 'text', 'text', 'bigint', 'integer', 'integer', 'integer', 'text', 'text', 'bigint', 'bigint']
const INBOUND_TYPES: readonly SqlType[] = ['text', 'text', 'text', 'bigint', 'integer', 'integer', 'text', 'text', 'bigint', 'bigint']

/**
 * The statements every settled batch runs, as SQL text built once per batch size and run as
 * compiled queries. They are the hottest writes hookrelay makes; building them through Kysely's
 * query builder cost more CPU than the database spent running them. One text serves both
 * databases: only the placeholder syntax differs, and that comes from the dialect.
 */
export class SettleStatements {
  readonly #attempts: string
  readonly #deliveries: string
  readonly #inbound: string
  readonly #placeholder: (index: number) => string
  readonly #insertSql = new Map<number, string>()
  readonly #updateSql = new Map<number, string>()
  readonly #inboundSql = new Map<number, string>()

  /** The tables' real, quoted (and schema-qualified) names. */
  constructor(
    tables: { attempts: string; deliveries: string; inboundMessages: string },
    placeholder: (index: number) => string,
  ) {
    this.#attempts = tables.attempts
    this.#deliveries = tables.deliveries
    this.#inbound = tables.inboundMessages
    this.#placeholder = placeholder
  }

  /** Inserts attempts, skipping those whose delivery no longer exists (its endpoint was deleted mid-attempt). */
  async insertAttempts(db: Kysely<any>, rows: readonly AttemptRowValues[]): Promise<void> {
    let text = this.#insertSql.get(rows.length)
    if (!text) {
      text =
        `insert into ${this.#attempts} (${ATTEMPT_COLUMNS.join(', ')}) ` +
        `select * from ${this.#values(rows.length, ATTEMPT_TYPES)} as v ` +
        `where exists (select 1 from ${this.#deliveries} d where d.id = v.column2)`
      this.#insertSql.set(rows.length, text)
    }
    const params: unknown[] = []
    for (const a of rows) {
      params.push(a.id, a.delivery_id, a.message_id, a.endpoint_id, a.number, a.started_at, a.duration_ms,
        a.status_code, a.response_body, a.error, a.outcome, a.triggered_by)
    }
    await db.executeQuery(CompiledQuery.raw(text, params))
  }

  /**
   * One `UPDATE … FROM (VALUES …)` for a batch, each row guarded by its lease owner so a worker
   * whose lease expired cannot overwrite the worker that took over.
   */
  async settleDeliveries(db: Kysely<any>, batch: readonly DeliverySettlement[]): Promise<void> {
    let text = this.#updateSql.get(batch.length)
    if (!text) {
      text =
        `update ${this.#deliveries} set ` +
        'status = v.column3, ' +
        'attempts = case when v.column5 = 1 then v.column6 else attempts end, ' +
        'next_attempt_at = v.column4, ' +
        'lease_owner = null, ' +
        'last_status_code = case when v.column5 = 1 then v.column7 else last_status_code end, ' +
        'last_error = case when v.column5 = 1 then v.column8 else last_error end, ' +
        'dead_reason = v.column9, ' +
        "next_trigger = case when v.column5 = 1 then 'scheduled' else next_trigger end, " +
        'completed_at = v.column10, ' +
        'updated_at = v.column11 ' +
        `from ${this.#values(batch.length, SETTLE_TYPES)} as v ` +
        "where id = v.column1 and lease_owner = v.column2 and status = 'delivering'"
      this.#updateSql.set(batch.length, text)
    }
    const params: unknown[] = []
    for (const s of batch) {
      const at = s.at.getTime()
      const final = s.status === 'succeeded' || s.status === 'dead'
      params.push(
        s.deliveryId,
        s.owner,
        s.status,
        s.nextAttemptAt ? s.nextAttemptAt.getTime() : null,
        s.attempt ? 1 : 0,
        s.attempt?.number ?? null,
        s.attempt?.statusCode ?? null,
        s.attempt?.error ?? null,
        s.deadReason ?? null,
        final ? at : null,
        at,
      )
    }
    await db.executeQuery(CompiledQuery.raw(text, params))
  }

  /** The inbound counterpart of `settleDeliveries`: one guarded `UPDATE … FROM (VALUES …)` per batch. */
  async settleInbound(db: Kysely<any>, batch: readonly InboundSettlement[]): Promise<void> {
    let text = this.#inboundSql.get(batch.length)
    if (!text) {
      text =
        `update ${this.#inbound} set ` +
        'status = v.column3, ' +
        'attempts = attempts + v.column5, ' +
        'next_attempt_at = v.column4, ' +
        'lease_owner = null, ' +
        'last_error = case when v.column6 = 1 then v.column7 else last_error end, ' +
        'dead_reason = v.column8, ' +
        'processed_at = v.column9, ' +
        'updated_at = v.column10 ' +
        `from ${this.#values(batch.length, INBOUND_TYPES)} as v ` +
        "where id = v.column1 and lease_owner = v.column2 and status = 'processing'"
      this.#inboundSql.set(batch.length, text)
    }
    const params: unknown[] = []
    for (const s of batch) {
      const at = s.at.getTime()
      const final = s.status === 'processed' || s.status === 'dead'
      params.push(
        s.id,
        s.owner,
        s.status,
        s.nextAttemptAt ? s.nextAttemptAt.getTime() : null,
        s.attempted ? 1 : 0,
        s.lastError === undefined ? 0 : 1,
        s.lastError ?? null,
        s.deadReason ?? null,
        final ? at : null,
        at,
      )
    }
    await db.executeQuery(CompiledQuery.raw(text, params))
  }

  /**
   * `(values (cast($1 as text), …), ($12, …), …)`, columns named column1, column2, … on both
   * databases. Only the first row is cast: Postgres types each VALUES column from its typed
   * entries and the untyped parameters below follow.
   */
  #values(rows: number, types: readonly SqlType[]): string {
    const tuples: string[] = []
    let index = 0
    for (let r = 0; r < rows; r++) {
      const cells = types.map((type) => {
        const p = this.#placeholder(++index)
        return r === 0 ? `cast(${p} as ${type})` : p
      })
      tuples.push(`(${cells.join(', ')})`)
    }
    return `(values ${tuples.join(', ')})`
  }
}
