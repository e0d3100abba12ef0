import { CompiledQuery, type Kysely } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import { CompiledFilters } from '../../../core/filters/compiled-filters.js'
import { planFanOut, routableEndpoints, tenantsToRoute, type RoutableEndpoint } from '../../sql/route-message.js'
import { runTransaction } from '../../kysely/run-transaction.js'
import { chunks } from '../../kysely/kysely-storage-helpers.js'
import type { OutgoingMessage, StoredMessage } from '../../storage.js'
import { checkExplicitTargets, explicitIds } from '../../sql/explicit-targets.js'
import { DELIVERY_COLUMNS, MESSAGE_COLUMNS, type MessageStore, type SendTables } from '../../sql/message-store.js'

/** Rows per insert: mysql2 inlines the values, and a statement must fit `max_allowed_packet`. */
const ROWS = 100

/** An enabled endpoint as routing sees it. */

/**
 * `storeMessages` on MySQL, as a few statements (MySQL has neither data-modifying CTEs nor
 * `RETURNING`): explicit targets checked, messages inserted (`ON DUPLICATE KEY` on the
 * idempotency scope, then the new ids read back: the ids are fresh, so those found were written),
 * the endpoints of each tenant read once and routed here, deliveries inserted, and duplicates'
 * first messages read with a locking read, which sees the latest committed row whatever the
 * transaction's isolation.
 */
export class MysqlStoreMessages implements MessageStore {
  readonly #tables: SendTables
  readonly #filters = new CompiledFilters()

  constructor(tables: SendTables) {
    this.#tables = tables
  }

  storeAlone(db: Kysely<any>, items: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    return runTransaction(db, (tx) => this.store(tx, items))
  }

  async store(db: Kysely<any>, items: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    const { endpoints: E, messages: M, deliveries: D } = this.#tables
    const run = async <R>(text: string, params: readonly unknown[]) => (await db.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows

    // Explicit targets first: a refused message must not leave anything behind in a caller's transaction.
    const wanted = explicitIds(items)
    if (wanted.length > 0) {
      const found = await run<{ id: string; tenant: string | null }>(
        `select id, tenant from ${E} where deleted_at is null and id in (?)`,
        [wanted],
      )
      checkExplicitTargets(items, new Map(found.map((row) => [row.id, row.tenant])))
    }

    const inserted = new Set<string>()
    for (const scoped of [false, true]) {
      for (const chunk of chunks(items.filter((item) => (item.idempotencyScope !== null) === scoped), ROWS)) {
        const tuples = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')
        const params: unknown[] = []
        for (const { message: m, idempotencyScope } of chunk) {
          params.push(m.id, m.tenant, m.type, m.payload, JSON.stringify(m.channels), m.idempotencyKey, idempotencyScope, m.createdAt.getTime(), m.traceContext ?? null)
        }
        await run(
          `insert into ${M} (${MESSAGE_COLUMNS}) values ${tuples}` + (scoped ? ' on duplicate key update id = id' : ''),
          params,
        )
        if (!scoped) for (const { message } of chunk) inserted.add(message.id)
        else for (const row of await run<{ id: string }>(`select id from ${M} where id in (?)`, [chunk.map((i) => i.message.id)])) inserted.add(row.id)
      }
    }

    const routable = new Map<string | null, RoutableEndpoint[]>()
    for (const tenant of tenantsToRoute(items, inserted)) {
      const rows = await run<{ id: string; event_types: string; channels: string; filter: string | null }>(
        `select id, event_types, channels, filter from ${E} where disabled_at is null and deleted_at is null and ` +
          `tenant ${tenant === null ? 'is null' : '= ?'} order by id`,
        tenant === null ? [] : [tenant],
      )
      routable.set(tenant, routableEndpoints(rows, this.#filters))
    }
    const { results, deliveryRows, duplicates } = planFanOut(items, inserted, routable)

    for (const chunk of chunks(deliveryRows, ROWS)) {
      const tuples = chunk.map(() => "(?, ?, ?, 'pending', 0, ?, null, null, null, null, 'scheduled', ?, ?, null)").join(', ')
      await run(`insert into ${D} (${DELIVERY_COLUMNS}) values ${tuples}`, chunk.flat())
    }

    if (duplicates.length > 0) await this.#fillDuplicates(run, duplicates, results)
    return results
  }

  /** The first message of each duplicate's scope, with its delivery ids. */
  async #fillDuplicates(
    run: <R>(text: string, params: readonly unknown[]) => Promise<R[]>,
    duplicates: readonly { index: number; scope: string }[],
    results: StoredMessage[],
  ): Promise<void> {
    const { messages: M, deliveries: D } = this.#tables
    const stored = new Map<string, string>()
    const scopes = [...new Set(duplicates.map((d) => d.scope))]
    for (const row of await run<{ id: string; idempotency_scope: string }>(
      `select id, idempotency_scope from ${M} where idempotency_scope in (?) lock in share mode`,
      [scopes],
    )) {
      stored.set(row.idempotency_scope, row.id)
    }
    const deliveryIds = new Map<string, string[]>()
    if (stored.size > 0) {
      for (const row of await run<{ id: string; message_id: string }>(
        `select id, message_id from ${D} where message_id in (?) order by id lock in share mode`,
        [[...stored.values()]],
      )) {
        const ids = deliveryIds.get(row.message_id) ?? []
        ids.push(row.id)
        deliveryIds.set(row.message_id, ids)
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
}
