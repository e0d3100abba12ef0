import { CLAIMABLE_INBOUND, claimableInbound } from './claimable.js'
import { claimStepsSql, type ClaimSteps } from './claim-steps.js'
import type { StorageDialect } from '../dialect/dialect.js'
import type { ClaimOptions } from '../storage.js'

/** Which optional filters a claim of inbound messages has. */
export interface InboundClaimShape {
  readonly bySources: boolean
  readonly byIds: boolean
}

/**
 * The pick of an inbound claim; its parameters start at `first`: now, [sources], [ids], limit.
 * Among chosen ids the claimable predicate is fenced, as in the delivery claim by ids, so that the
 * ids are read by primary key and not found by walking the whole due backlog.
 */
function pickInboundSql(dialect: StorageDialect, inbound: string, shape: InboundClaimShape, first: number): string {
  let index = first
  const claimable = shape.byIds ? claimableInbound(dialect.unindexed('status')) : CLAIMABLE_INBOUND
  const due = dialect.claimDue(claimable, dialect.parameter(index))
  let pick = `select id from ${inbound} where ${due.where}`
  // `source || ''` is not an index key: offered the (source, webhook_id) key, planners read every
  // webhook ever received from the source and sort the due ones; the claim index stays the way in.
  if (shape.bySources) pick += ` and ${dialect.unindexed('source')} ${dialect.inList(++index)}`
  if (shape.byIds) pick += ` and id ${dialect.inList(++index)}`
  pick += ` order by ${due.orderBy} limit ${dialect.claimLimit(++index)}`
  return pick
}

/**
 * Claims up to a limit of due inbound messages (`pending` and due, or `processing` with an
 * expired lease), oldest due first, optionally only of some sources and among some ids: one
 * `UPDATE … RETURNING *` that leases them. Like the delivery claim, the pick walks the partial
 * claim index in due order whatever the statistics. Parameters: see `claimInboundParameters`.
 */
export function claimInboundSql(dialect: StorageDialect, inbound: string, shape: InboundClaimShape): string {
  const p = (i: number) => dialect.parameter(i)
  return (
    `update ${inbound} as i ` +
    `set status = 'processing', lease_owner = ${p(1)}, next_attempt_at = ${p(2)}, updated_at = ${p(3)} ` +
    `where i.id ${dialect.pickedBy(pickInboundSql(dialect, inbound, shape, 4))} ` +
    'returning *'
  )
}

/** The inbound claim in steps, for databases without `UPDATE … RETURNING` (see `claimDeliveriesSteps`). */
export function claimInboundSteps(dialect: StorageDialect, inbound: string, shape: InboundClaimShape): ClaimSteps {
  return claimStepsSql(dialect, inbound, pickInboundSql(dialect, inbound, shape, 1), 'processing')
}

/** The parameters of `claimInboundSql`, in order. */
export function claimInboundParameters(
  dialect: StorageDialect,
  options: ClaimOptions,
  sources: readonly string[] | undefined,
  ids: readonly string[] | undefined,
): unknown[] {
  const now = options.now.getTime()
  const params: unknown[] = [options.owner, now + options.leaseMs, now, now]
  if (sources) params.push(dialect.listParameter(sources))
  if (ids) params.push(dialect.listParameter(ids))
  params.push(options.limit)
  return params
}
