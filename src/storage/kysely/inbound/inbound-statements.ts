import { CompiledQuery, type Kysely, type Selectable } from 'kysely'
import type { InboundMessageRecord } from '../../../core/types.js'
import type { InboundMessagesTable } from '../../schema/database.js'
import type { StorageDialect } from '../../dialect/dialect.js'

const INBOUND_COLUMNS = [
  'id', 'source', 'webhook_id', 'type', 'payload', 'headers', 'status', 'attempts', 'next_attempt_at',
  'lease_owner', 'last_error', 'dead_reason', 'received_at', 'updated_at', 'processed_at',
] as const

/**
 * The intake statements, as SQL text built once per batch size and run as compiled queries: the
 * receiver stores every webhook through them, so building them with Kysely's query builder (more
 * CPU than SQLite spends running them) is skipped. One text serves both databases; the
 * placeholder syntax and the conflict-ignoring insert come from the dialect.
 */
export class InboundStatements {
  readonly #table: string
  readonly #placeholder: (index: number) => string
  readonly #dialect: Pick<StorageDialect, 'parameter' | 'insertIgnoringConflicts' | 'capabilities' | 'inList' | 'listParameter'>
  readonly #insertSql = new Map<number, string>()
  readonly #selectSql = new Map<number, string>()

  /** `table` is the real, quoted (and schema-qualified) name of the inbound messages table. */
  constructor(table: string, dialect: Pick<StorageDialect, 'parameter' | 'insertIgnoringConflicts' | 'capabilities' | 'inList' | 'listParameter'>) {
    this.#table = table
    this.#dialect = dialect
    this.#placeholder = (index) => dialect.parameter(index)
  }

  /**
   * `insert … values (…), (…) on conflict (source, webhook_id) do nothing returning id`: stores
   * the messages whose (source, webhookId) is not taken yet and returns the ids of those it stored.
   * The messages must have distinct (source, webhookId) keys and distinct ids.
   */
  async insert(db: Kysely<any>, messages: readonly InboundMessageRecord[]): Promise<Set<string>> {
    let text = this.#insertSql.get(messages.length)
    if (!text) {
      const values = this.#tuples(messages.length, INBOUND_COLUMNS.length)
      text = this.#dialect.insertIgnoringConflicts(this.#table, INBOUND_COLUMNS, values, ['source', 'webhook_id'])
      if (this.#dialect.capabilities.returning) text += ' returning id'
      this.#insertSql.set(messages.length, text)
    }
    const params: unknown[] = []
    for (const m of messages) {
      params.push(
        m.id,
        m.source,
        m.webhookId,
        m.type,
        m.payload,
        JSON.stringify(m.headers),
        m.status,
        m.attempts,
        m.nextAttemptAt === null ? null : m.nextAttemptAt.getTime(),
        m.leaseOwner,
        m.lastError,
        m.deadReason,
        m.receivedAt.getTime(),
        m.updatedAt.getTime(),
        m.processedAt === null ? null : m.processedAt.getTime(),
      )
    }
    let result = await db.executeQuery<{ id: string }>(CompiledQuery.raw(text, params))
    if (!this.#dialect.capabilities.returning) {
      // Without RETURNING: the ids are new, so those found now are the rows this insert wrote.
      const ids = this.#dialect.listParameter(messages.map((m) => m.id))
      result = await db.executeQuery<{ id: string }>(
        CompiledQuery.raw(`select id from ${this.#table} where id ${this.#dialect.inList(1)}`, [ids]),
      )
    }
    const inserted = new Set<string>()
    for (const row of result.rows) inserted.add(row.id)
    return inserted
  }

  /** The stored rows with these (source, webhookId) keys, in no particular order. */
  async selectByKeys(db: Kysely<any>, keys: readonly { source: string; webhookId: string }[]): Promise<Selectable<InboundMessagesTable>[]> {
    let text = this.#selectSql.get(keys.length)
    if (!text) {
      const terms: string[] = []
      for (let k = 0; k < keys.length; k++) {
        terms.push(`(source = ${this.#placeholder(2 * k + 1)} and webhook_id = ${this.#placeholder(2 * k + 2)})`)
      }
      text = `select * from ${this.#table} where ${terms.join(' or ')}`
      this.#selectSql.set(keys.length, text)
    }
    const params: unknown[] = []
    for (const key of keys) params.push(key.source, key.webhookId)
    const result = await db.executeQuery<Selectable<InboundMessagesTable>>(CompiledQuery.raw(text, params))
    return result.rows
  }

  /** `(?, ?, …), (?, ?, …)`: `rows` tuples of `columns` placeholders, numbered in order. */
  #tuples(rows: number, columns: number): string {
    const tuples: string[] = []
    let index = 0
    for (let r = 0; r < rows; r++) {
      const cells: string[] = []
      for (let c = 0; c < columns; c++) cells.push(this.#placeholder(++index))
      tuples.push(`(${cells.join(', ')})`)
    }
    return tuples.join(', ')
  }
}
