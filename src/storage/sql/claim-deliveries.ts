import { CLAIMABLE_DELIVERY, claimableDelivery } from './claimable.js'
import { claimStepsSql, type ClaimSteps } from './claim-steps.js'
import type { StorageDialect } from '../dialect/dialect.js'
import type { ClaimOptions } from '../storage.js'

/** The real, quoted (and schema-qualified) names of the tables a claim reads. */
export interface ClaimTables {
  readonly deliveries: string
  readonly messages: string
  readonly endpoints: string
}

/**
 * The pick of a delivery claim: the ids of up to a limit of due deliveries, oldest due first,
 * optionally only among a list of ids. Its parameters start at `first`: [ids], now, limit.
 *
 * Among chosen ids, the claimable predicate is written so that no partial index matches it
 * (`unindexed`), which leaves the primary key as the only way in: otherwise Postgres, without
 * statistics on a fresh backlog, reads the claim index's whole due range and filters it by id,
 * so every claim through Redis read the entire backlog to find the few ids it was handed.
 */
function pickDeliveriesSql(dialect: StorageDialect, deliveries: string, byIds: boolean, first: number): string {
  const claimable = byIds ? claimableDelivery(dialect.unindexed('status')) : CLAIMABLE_DELIVERY
  const bound = byIds ? first + 1 : first
  const due = dialect.claimDue(claimable, dialect.parameter(bound))
  return (
    `select id from ${deliveries} ` +
    (byIds ? `where id ${dialect.inList(first)} and ${due.where}` : `where ${due.where}`) +
    ` order by ${due.orderBy} limit ${dialect.claimLimit(bound + 1)}`
  )
}

/**
 * Claims up to a limit of due deliveries (`pending` and due, or `delivering` with an expired
 * lease), oldest due first, optionally only among a list of ids: one `UPDATE` that leases them.
 *
 * The pick walks the partial claim index in `next_attempt_at` order and stops after the limit, on
 * every database and whatever the statistics (see `StorageDialect.claimLimit` and `pickedBy`).
 * Where the dialect can (`claimReturnsRelated`), the statement also returns each delivery's
 * message and endpoint as JSON columns `message` and `endpoint`, so a claim is one round trip; an
 * endpoint is returned once, on the row of its lowest delivery id (`null` on the others, and on
 * all of them if the endpoint is gone). Parameters: see `claimDeliveriesParameters`. Databases without
 * `RETURNING` claim in steps instead (`claimDeliveriesSteps`).
 */
export function claimDeliveriesSql(dialect: StorageDialect, tables: ClaimTables, byIds: boolean): string {
  const p = (index: number) => dialect.parameter(index)
  const pick = pickDeliveriesSql(dialect, tables.deliveries, byIds, 4)
  const update =
    `update ${tables.deliveries} as d ` +
    `set status = 'delivering', lease_owner = ${p(1)}, next_attempt_at = ${p(2)}, updated_at = ${p(3)} ` +
    `where d.id ${dialect.pickedBy(pick)} ` +
    'returning *'
  if (!dialect.claimReturnsRelated) return update
  // A batch is mostly deliveries to a few endpoints: each endpoint's row is serialized once, on
  // the first of its deliveries, and `null` on the others (the reader shares it by endpoint_id).
  // (The window runs over the claimed rows alone, so its sort is of the batch, never of a table.)
  return (
    `with claimed as (${update}), ` +
    'ranked as (select c.*, c.id = min(c.id) over (partition by c.endpoint_id) as endpoint_first from claimed as c) ' +
    'select r.*, to_json(m) as message, case when r.endpoint_first then to_json(e) end as endpoint ' +
    'from ranked as r ' +
    `join ${tables.messages} as m on m.id = r.message_id ` +
    `left join ${tables.endpoints} as e on e.id = r.endpoint_id`
  )
}

/**
 * The same claim for a database without `UPDATE … RETURNING` (MySQL), as three statements run
 * in one transaction: pick and lock, lease, read back. Parameters: the last ones of
 * `claimDeliveriesParameters` (from the ids, or from now) for the pick; its first three (owner,
 * lease end, now) and the picked ids for the lease; the picked ids for the read.
 */
export function claimDeliveriesSteps(dialect: StorageDialect, deliveries: string, byIds: boolean): ClaimSteps {
  return claimStepsSql(dialect, deliveries, pickDeliveriesSql(dialect, deliveries, byIds, 1), 'delivering')
}

/** The parameters of `claimDeliveriesSql`, in order. */
export function claimDeliveriesParameters(
  dialect: StorageDialect,
  options: ClaimOptions,
  ids: readonly string[] | undefined,
): unknown[] {
  const now = options.now.getTime()
  const params: unknown[] = [options.owner, now + options.leaseMs, now]
  if (ids) params.push(dialect.listParameter(ids))
  params.push(now, options.limit)
  return params
}

/** Rows by id, for what a claim could not return itself: `select * from <table> where id in <list>`. */
export function selectByIdsSql(dialect: StorageDialect, table: string): string {
  return `select * from ${table} where id ${dialect.inList(1)}`
}
