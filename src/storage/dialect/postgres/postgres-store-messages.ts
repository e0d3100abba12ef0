import { createHash } from 'node:crypto'
import { CompiledQuery, type Kysely } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import { ID_ALPHABET } from '../../../core/ids.js'
import type { OutgoingMessage, StoredMessage } from '../../storage.js'
import { checkExplicitTargets, explicitIds } from '../../sql/explicit-targets.js'
import { DELIVERY_COLUMNS, MESSAGE_COLUMNS, type MessageStore, type SendTables } from '../../sql/message-store.js'

/** `deliveryIdOf(messageId, ordinal)` as a Postgres expression over two SQL expressions. */
function deliveryIdSql(messageId: string, ordinal: string): string {
  const digit = (shift: number) => `substr('${ID_ALPHABET}', ((${ordinal})::int >> ${shift}) % 32 + 1, 1)`
  return `'dlv_' || substr(${messageId}, 5, 23) || ${digit(10)} || ${digit(5)} || ${digit(0)}`
}

/** Tenant equality where `null` (no tenant) equals `null`, written so the tenant index can serve it. */
const sameTenant = (a: string, b: string) => `(${a} = ${b} or (${a} is null and ${b} is null))`

/** Event types and channels of endpoint `e` matched against message `f`, as `matchesEventType`/`matchesChannels` do. */
function routes(e: string, f: string): string {
  return `(json_array_length(${e}.event_types::json) = 0 or exists (
      select 1 from json_array_elements_text(${e}.event_types::json) as filters(filter)
      where filter = '*' or filter = ${f}.type or (right(filter, 2) = '.*' and starts_with(${f}.type, left(filter, -1)))))
    and (json_array_length(${e}.channels::json) = 0 or exists (
      select 1 from json_array_elements_text(${e}.channels::json) as wanted(channel)
      join json_array_elements_text(${f}.channels::json) as sent(channel) using (channel)))`
}

/**
 * The one statement `storeMessages` runs on Postgres, whatever the batch: data-modifying CTEs
 * insert the messages (`ON CONFLICT DO NOTHING` on the idempotency scope), route them to the
 * endpoints of their tenant (event types, channels and payload filters matched in SQL, exactly as
 * `matchesEventType`/`matchesChannels`/`matchesFilter` do), insert one delivery per target named after the
 * message (`deliveryIdOf`), read what duplicates point at, and `pg_notify` when deliveries were
 * written (heard on commit). Outside a transaction it commits on its own: one round trip per send.
 *
 * Messages go in as one JSON array with named fields. A CTE cannot see the rows another CTE of the
 * same statement inserts, which is what keeps `existing` to messages stored before it.
 */
function storeStatement(tables: SendTables, notify: boolean): string {
  const { endpoints: E, messages: M, deliveries: D } = tables
  return `with input as (
  select * from json_to_recordset($1::json) as x(
    ord int, id text, tenant text, type text, payload text, channels text,
    idempotency_key text, idempotency_scope text, created_at bigint, endpoint_ids json, trace_context text)
), inserted as (
  insert into ${M} (${MESSAGE_COLUMNS})
  select id, tenant, type, payload, channels, idempotency_key, idempotency_scope, created_at, trace_context from input order by ord
  on conflict (idempotency_scope) do nothing
  returning id
), fresh as (
  select input.* from input join inserted using (id)
), filtered as materialized (
  -- The payloads of messages that some filtered endpoint of their tenant could receive, parsed
  -- once per message (not once per endpoint); empty, and free, while no endpoint has a filter.
  select f.id, f.created_at, f.tenant, f.type, f.channels, f.payload::jsonb as doc
  from fresh f
  where f.endpoint_ids is null and exists (
    select 1 from ${E} e where e.filter_jsonpath is not null and e.disabled_at is null and e.deleted_at is null
      and ${sameTenant('e.tenant', 'f.tenant')})
), targets as (
  select f.id as message_id, f.created_at, e.id as endpoint_id
  from fresh f join ${E} e on e.disabled_at is null and e.deleted_at is null and ${sameTenant('e.tenant', 'f.tenant')}
  where f.endpoint_ids is null and e.filter_jsonpath is null and ${routes('e', 'f')}
  union all
  -- Endpoints with a payload filter: the filter as jsonpath (see filterToJsonPath), as matchesFilter decides.
  select f.id, f.created_at, e.id
  from filtered f join ${E} e on e.disabled_at is null and e.deleted_at is null and ${sameTenant('e.tenant', 'f.tenant')}
  where e.filter_jsonpath is not null and ${routes('e', 'f')} and jsonb_path_exists(f.doc, e.filter_jsonpath::jsonpath)
  union all
  select f.id, f.created_at, e.id
  from fresh f cross join lateral json_array_elements_text(f.endpoint_ids) as explicit(id)
  join ${E} e on e.id = explicit.id and e.deleted_at is null and ${sameTenant('e.tenant', 'f.tenant')}
  where f.endpoint_ids is not null
), numbered as (
  select message_id, created_at, endpoint_id, row_number() over (partition by message_id order by endpoint_id) as n
  from targets
), deliveries as (
  insert into ${D} (${DELIVERY_COLUMNS})
  select ${deliveryIdSql('message_id', 'n')}, message_id, endpoint_id, 'pending', 0, created_at, null,
    null, null, null, 'scheduled', created_at, created_at, null
  from numbered order by message_id, n
  returning id, message_id, endpoint_id
), existing as materialized (
  -- A lookup per keyed message (the unique index), never a join the planner could turn into a scan.
  select ord, (select m.id from ${M} m where m.idempotency_scope = input.idempotency_scope) as id
  from input where idempotency_scope is not null
)
select
  (select coalesce(json_agg(json_build_array(message_id, id, endpoint_id) order by id), '[]') from deliveries) as deliveries,
  (select coalesce(json_agg(id), '[]') from inserted) as inserted,
  (select coalesce(json_agg(json_build_array(x.ord, x.id,
    (select coalesce(json_agg(d.id order by d.id), '[]') from ${D} d where d.message_id = x.id))), '[]')
    from existing x where x.id is not null) as existing` +
    (notify ? `,\n  (select count(pg_notify($2, '')) from (select 1 from deliveries limit 1) as one) as announced` : '')
}

interface StoreRow {
  deliveries: [messageId: string, id: string, endpointId: string][]
  inserted: string[]
  existing: [ord: number, messageId: string, deliveryIds: string[]][]
}

/**
 * Runs a named prepared statement on a connection of the pool, outside any transaction: Postgres
 * plans it once per connection instead of on every run (planning this statement costs more than
 * running it). Absent when hookrelay cannot reach the pool (a Kysely handed in).
 */
export type RunPrepared = (name: string, text: string, values: readonly unknown[]) => Promise<Record<string, unknown>[]>

/**
 * `storeMessages` on Postgres: the statement above, plus a read of the explicit `endpointIds`
 * before it when there are any (to refuse unknown ones without aborting a caller's transaction).
 */
export class PostgresStoreMessages implements MessageStore {
  readonly #tables: SendTables
  readonly #channel: string | undefined
  readonly #text: string
  readonly #name: string
  readonly #runPrepared: RunPrepared | undefined

  /** `channel`: where to `pg_notify` new work; none when undefined. */
  constructor(tables: SendTables, channel: string | undefined, runPrepared?: RunPrepared) {
    this.#tables = tables
    this.#channel = channel
    this.#text = storeStatement(tables, channel !== undefined)
    this.#name = `hookrelay_store_${createHash('sha256').update(this.#text).digest('hex').slice(0, 24)}`
    this.#runPrepared = runPrepared
  }

  /** One statement commits on its own: no BEGIN and COMMIT round trips around it. */
  storeAlone(db: Kysely<any>, items: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    const runPrepared = this.#runPrepared
    if (!runPrepared) return this.store(db, items)
    return this.#store(db, items, async (params) => (await runPrepared(this.#name, this.#text, params)) as unknown as StoreRow[])
  }

  store(db: Kysely<any>, items: readonly OutgoingMessage[]): Promise<StoredMessage[]> {
    return this.#store(db, items, async (params) => (await db.executeQuery<StoreRow>(CompiledQuery.raw(this.#text, params))).rows)
  }

  async #store(
    db: Kysely<any>,
    items: readonly OutgoingMessage[],
    run: (params: unknown[]) => Promise<StoreRow[]>,
  ): Promise<StoredMessage[]> {
    const wanted = explicitIds(items)
    if (wanted.length > 0) {
      const found = await db.executeQuery<{ id: string; tenant: string | null }>(
        CompiledQuery.raw(`select id, tenant from ${this.#tables.endpoints} where deleted_at is null and id = any($1::text[])`, [wanted]),
      )
      checkExplicitTargets(items, new Map(found.rows.map((row) => [row.id, row.tenant])))
    }
    const input = JSON.stringify(
      items.map(({ message: m, idempotencyScope, endpointIds }, ord) => ({
        ord,
        id: m.id,
        tenant: m.tenant,
        type: m.type,
        payload: m.payload,
        channels: JSON.stringify(m.channels),
        idempotency_key: m.idempotencyKey,
        idempotency_scope: idempotencyScope,
        created_at: m.createdAt.getTime(),
        endpoint_ids: endpointIds,
        trace_context: m.traceContext ?? null,
      })),
    )
    const params = this.#channel === undefined ? [input] : [input, this.#channel]
    const row = (await run(params))[0]!

    const inserted = new Set(row.inserted)
    const deliveries = new Map<string, { id: string; endpointId: string }[]>()
    for (const [messageId, id, endpointId] of row.deliveries) {
      const mine = deliveries.get(messageId) ?? []
      mine.push({ id, endpointId })
      deliveries.set(messageId, mine)
    }
    const existing = new Map(row.existing.map(([ord, messageId, deliveryIds]) => [ord, { messageId, deliveryIds }]))
    const results: (StoredMessage | undefined)[] = items.map(({ message }, ord) => {
      if (inserted.has(message.id)) return { duplicate: false, deliveries: deliveries.get(message.id) ?? [] }
      const first = existing.get(ord)
      return first && { duplicate: true, ...first }
    })
    // A conflict with a transaction that committed after this statement began: its message is
    // visible to the next statement (READ COMMITTED), not to this one.
    const unseen = items.flatMap((item, ord) => (results[ord] ? [] : [{ ord, scope: item.idempotencyScope! }]))
    if (unseen.length > 0) {
      const late = await db.executeQuery<{ id: string; idempotency_scope: string; delivery_ids: string[] }>(
        CompiledQuery.raw(
          `select m.id, m.idempotency_scope, (select coalesce(json_agg(d.id order by d.id), '[]') from ${this.#tables.deliveries} d ` +
            `where d.message_id = m.id) as delivery_ids from ${this.#tables.messages} m where m.idempotency_scope = any($1::text[])`,
          [unseen.map((u) => u.scope)],
        ),
      )
      const byScope = new Map(late.rows.map((r) => [r.idempotency_scope, r]))
      for (const { ord, scope } of unseen) {
        const found = byScope.get(scope)
        if (!found) {
          throw new HookrelayError(
            'STORAGE_CONFLICT',
            'A message with the same idempotency key exists but is not visible to this transaction ' +
              '(is it REPEATABLE READ or SERIALIZABLE?). Use READ COMMITTED for send(), or retry.',
          )
        }
        results[ord] = { duplicate: true, messageId: found.id, deliveryIds: found.delivery_ids }
      }
    }
    return results as StoredMessage[]
  }
}
