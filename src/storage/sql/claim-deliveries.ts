import { CLAIMABLE_DELIVERY } from './claimable.js'
import type { StorageDialect } from '../dialect/dialect.js'
import type { ClaimOptions } from '../storage.js'

/** The real, quoted (and schema-qualified) names of the tables a claim reads. */
export interface ClaimTables {
  readonly deliveries: string
  readonly messages: string
  readonly endpoints: string
}

/**
 * Claims up to a limit of due deliveries (`pending` and due, or `delivering` with an expired
 * lease), oldest due first, optionally only among a list of ids: one `UPDATE` that leases them.
 *
 * The pick walks the partial claim index in `next_attempt_at` order and stops after the limit, on
 * every database and whatever the statistics (see `StorageDialect.claimLimit` and `pickedBy`).
 * Where the dialect can (`claimReturnsRelated`), the statement also returns each delivery's
 * message and endpoint as JSON columns `message` and `endpoint` (`null` if the endpoint is gone),
 * so a claim is one round trip. Parameters: see `claimDeliveriesParameters`.
 */
export function claimDeliveriesSql(dialect: StorageDialect, tables: ClaimTables, byIds: boolean): string {
  const p = (index: number) => dialect.parameter(index)
  const pick =
    `select id from ${tables.deliveries} ` +
    `where ${CLAIMABLE_DELIVERY} and next_attempt_at <= ${p(4)}` +
    (byIds ? ` and id ${dialect.inList(5)}` : '') +
    ` order by next_attempt_at limit ${dialect.claimLimit(byIds ? 6 : 5)}`
  const update =
    `update ${tables.deliveries} as d ` +
    `set status = 'delivering', lease_owner = ${p(1)}, next_attempt_at = ${p(2)}, updated_at = ${p(3)} ` +
    `where d.id ${dialect.pickedBy(pick)} ` +
    'returning *'
  if (!dialect.claimReturnsRelated) return update
  return (
    `with claimed as (${update}) ` +
    'select c.*, to_json(m) as message, to_json(e) as endpoint from claimed as c ' +
    `join ${tables.messages} as m on m.id = c.message_id ` +
    `left join ${tables.endpoints} as e on e.id = c.endpoint_id`
  )
}

/** The parameters of `claimDeliveriesSql`, in order. */
export function claimDeliveriesParameters(
  dialect: StorageDialect,
  options: ClaimOptions,
  ids: readonly string[] | undefined,
): unknown[] {
  const now = options.now.getTime()
  const params: unknown[] = [options.owner, now + options.leaseMs, now, now]
  if (ids) params.push(dialect.listParameter(ids))
  params.push(options.limit)
  return params
}

/** Rows by id, for what a claim could not return itself: `select * from <table> where id in <list>`. */
export function selectByIdsSql(dialect: StorageDialect, table: string): string {
  return `select * from ${table} where id ${dialect.inList(1)}`
}
