import type { Kysely } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import type { DeliveryRecord, EndpointRecord, MessageRecord } from '../../../core/types.js'
import { deliveryToRow, endpointFromRow, messageFromRow, messageToRow } from '../../schema/row-mappers.js'
import type { OutgoingMessage, StorageTransaction, StoredMessage } from '../../storage.js'
import type { MessageStore } from '../../sql/message-store.js'
import type { OutboxConnection } from '../../transactions/outbox-connection.js'
import type { StorageDialect } from '../../dialect/dialect.js'
import { chunks, IDS_PER_STATEMENT, ROWS_PER_STATEMENT, unique, type Db } from '../kysely-storage-helpers.js'

/** The writes of `send()`, on hookrelay's own transaction or on the caller's. */
export class KyselyStorageTransaction implements StorageTransaction {
  readonly #db: Db
  readonly #dialect: StorageDialect
  readonly #announce: ((tx: Kysely<any>) => Promise<void>) | undefined
  readonly #messageStore: MessageStore
  readonly #outbox: { readonly connection?: OutboxConnection } | undefined

  /** `outbox`: set when `db` runs in the caller's transaction, with the caller's connection when it is not a Kysely. */
  constructor(
    db: Db,
    dialect: StorageDialect,
    announce: ((tx: Kysely<any>) => Promise<void>) | undefined,
    messageStore: MessageStore,
    outbox: { readonly connection?: OutboxConnection } | undefined,
  ) {
    this.#db = db
    this.#dialect = dialect
    this.#announce = announce
    this.#messageStore = messageStore
    this.#outbox = outbox
  }

  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    if (messages.length === 0) return Promise.resolve([])
    const connection = this.#outbox?.connection
    return this.#messageStore.store(this.#db, messages, connection ? { external: true, connection } : { external: this.#outbox !== undefined })
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
    if (await this.#dialect.insertIfAbsent(insert, 'idempotency_scope')) return { inserted: true }
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
