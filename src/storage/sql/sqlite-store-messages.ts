import { CompiledQuery, type Kysely } from 'kysely'
import { HookrelayError } from '../../core/errors.js'
import { matchesChannels, matchesEventType } from '../../core/event-type.js'
import { deliveryIdOf } from '../../core/ids.js'
import type { OutgoingMessage, StoredMessage } from '../storage.js'
import { checkExplicitTargets, explicitIds } from './explicit-targets.js'
import { powerOfTwoChunks } from './fixed-chunks.js'
import { DELIVERY_COLUMNS, MESSAGE_COLUMNS, type MessageStore, type SendTables } from './message-store.js'

/** An enabled endpoint as routing sees it. */
interface RoutableEndpoint {
  id: string
  eventTypes: string[]
  channels: string[]
}

/**
 * `storeMessages` on SQLite, as hand-written statements: SQLite has no data-modifying CTEs, so a
 * batch takes a few statements (inside one transaction, on the one connection): the endpoints of
 * each tenant read once and routed here, every message in one `INSERT … ON CONFLICT DO NOTHING
 * RETURNING id`, every delivery in one multi-row insert. Row counts go in powers of two (see
 * `powerOfTwoChunks`), so the statement cache holds a handful of texts per table whatever the
 * batch sizes; the texts are built once per size.
 */
export class SqliteStoreMessages implements MessageStore {
  readonly atomic = false
  readonly #tables: SendTables
  readonly #afterOutboxWrite: () => void
  readonly #texts = new Map<string, string>()

  /**
   * `afterOutboxWrite` is called when deliveries were written in a caller's transaction, whose
   * commit hookrelay does not see: SQLite has no NOTIFY, so something must watch for the commit.
   */
  constructor(tables: SendTables, afterOutboxWrite: () => void = () => undefined) {
    this.#tables = tables
    this.#afterOutboxWrite = afterOutboxWrite
  }

  async store(db: Kysely<any>, items: readonly OutgoingMessage[], options: { external: boolean }): Promise<StoredMessage[]> {
    const run = async <R>(text: string, params: readonly unknown[]) =>
      (await db.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows

    // Explicit targets first: a refused message must not leave anything behind in a caller's transaction.
    const wanted = explicitIds(items)
    if (wanted.length > 0) {
      const tenants = new Map<string, string | null>()
      for (const ids of powerOfTwoChunks(wanted)) {
        const text = this.#text(`targets:${ids.length}`, () =>
          `select id, tenant from ${this.#tables.endpoints} where id in (${marks(ids.length, 1)})`)
        for (const row of await run<{ id: string; tenant: string | null }>(text, ids)) tenants.set(row.id, row.tenant)
      }
      checkExplicitTargets(items, tenants)
    }

    const inserted = new Set<string>()
    for (const chunk of powerOfTwoChunks(items)) {
      const text = this.#text(`messages:${chunk.length}`, () =>
        `insert into ${this.#tables.messages} (${MESSAGE_COLUMNS}) values ${marks(chunk.length, 8)} ` +
          'on conflict (idempotency_scope) do nothing returning id')
      const params: unknown[] = []
      for (const { message: m, idempotencyScope } of chunk) {
        params.push(m.id, m.tenant, m.type, m.payload, JSON.stringify(m.channels), m.idempotencyKey, idempotencyScope, m.createdAt.getTime())
      }
      for (const row of await run<{ id: string }>(text, params)) inserted.add(row.id)
    }

    const routable = new Map<string | null, RoutableEndpoint[]>()
    const results: StoredMessage[] = []
    const deliveryParams: unknown[][] = []
    const duplicates: { index: number; scope: string }[] = []
    for (const [index, { message, idempotencyScope, endpointIds }] of items.entries()) {
      if (!inserted.has(message.id)) {
        duplicates.push({ index, scope: idempotencyScope! })
        results.push({ duplicate: true, messageId: '', deliveryIds: [] }) // filled in below
        continue
      }
      let targets: string[]
      if (endpointIds) {
        targets = [...endpointIds].sort()
      } else {
        let endpoints = routable.get(message.tenant)
        if (!endpoints) routable.set(message.tenant, (endpoints = await this.#routable(run, message.tenant)))
        targets = endpoints
          .filter((e) => matchesEventType(message.type, e.eventTypes) && matchesChannels(e.channels, message.channels))
          .map((e) => e.id)
      }
      const at = message.createdAt.getTime()
      const deliveries = targets.map((endpointId, i) => ({ id: deliveryIdOf(message.id, i + 1), endpointId }))
      for (const d of deliveries) deliveryParams.push([d.id, message.id, d.endpointId, at, at, at])
      results.push({ duplicate: false, deliveries })
    }

    for (const chunk of powerOfTwoChunks(deliveryParams)) {
      const text = this.#text(`deliveries:${chunk.length}`, () =>
        `insert into ${this.#tables.deliveries} (${DELIVERY_COLUMNS}) values ` +
          Array.from({ length: chunk.length }, () => "(?, ?, ?, 'pending', 0, ?, null, null, null, null, 'scheduled', ?, ?, null)").join(', '))
      await run(text, chunk.flat())
    }

    if (duplicates.length > 0) await this.#fillDuplicates(run, duplicates, results)
    if (options.external && deliveryParams.length > 0) this.#afterOutboxWrite()
    return results
  }

  /** The first message of each duplicate's scope, with its delivery ids. */
  async #fillDuplicates(
    run: <R>(text: string, params: readonly unknown[]) => Promise<R[]>,
    duplicates: readonly { index: number; scope: string }[],
    results: StoredMessage[],
  ): Promise<void> {
    const stored = new Map<string, string>()
    for (const chunk of powerOfTwoChunks(duplicates.map((d) => d.scope))) {
      const text = this.#text(`scopes:${chunk.length}`, () =>
        `select id, idempotency_scope from ${this.#tables.messages} where idempotency_scope in (${marks(chunk.length, 1)})`)
      for (const row of await run<{ id: string; idempotency_scope: string }>(text, chunk)) stored.set(row.idempotency_scope, row.id)
    }
    const deliveryIds = new Map<string, string[]>()
    for (const chunk of powerOfTwoChunks([...stored.values()])) {
      const text = this.#text(`delivered:${chunk.length}`, () =>
        `select id, message_id from ${this.#tables.deliveries} where message_id in (${marks(chunk.length, 1)}) order by id`)
      for (const row of await run<{ id: string; message_id: string }>(text, chunk)) {
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

  async #routable(
    run: <R>(text: string, params: readonly unknown[]) => Promise<R[]>,
    tenant: string | null,
  ): Promise<RoutableEndpoint[]> {
    const text = this.#text(tenant === null ? 'routable:null' : 'routable', () =>
      `select id, event_types, channels from ${this.#tables.endpoints} ` +
        `where disabled_at is null and tenant ${tenant === null ? 'is null' : '= ?'} order by id`)
    const rows = await run<{ id: string; event_types: string; channels: string }>(text, tenant === null ? [] : [tenant])
    return rows.map((row) => ({
      id: row.id,
      eventTypes: JSON.parse(row.event_types) as string[],
      channels: JSON.parse(row.channels) as string[],
    }))
  }

  #text(key: string, build: () => string): string {
    let text = this.#texts.get(key)
    if (text === undefined) this.#texts.set(key, (text = build()))
    return text
  }
}

/** `rows` groups of `columns` placeholders: `(?, ?), (?, ?)`, or `?, ?, ?` for one column. */
function marks(rows: number, columns: number): string {
  if (columns === 1) return Array.from({ length: rows }, () => '?').join(', ')
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`
  return Array.from({ length: rows }, () => row).join(', ')
}
