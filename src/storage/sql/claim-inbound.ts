import { CLAIMABLE_INBOUND } from './claimable.js'
import type { StorageDialect } from '../dialect/dialect.js'
import type { ClaimOptions } from '../storage.js'

/** Which optional filters a claim of inbound messages has. */
export interface InboundClaimShape {
  readonly bySources: boolean
  readonly byIds: boolean
}

/**
 * Claims up to a limit of due inbound messages (`pending` and due, or `processing` with an
 * expired lease), oldest due first, optionally only of some sources and among some ids: one
 * `UPDATE … RETURNING *` that leases them. Like the delivery claim, the pick walks the partial
 * claim index in due order whatever the statistics. Parameters: see `claimInboundParameters`.
 */
export function claimInboundSql(dialect: StorageDialect, inbound: string, shape: InboundClaimShape): string {
  let index = 4
  const p = (i: number) => dialect.parameter(i)
  let pick = `select id from ${inbound} where ${CLAIMABLE_INBOUND} and next_attempt_at <= ${p(4)}`
  // `source || ''` is not an index key: offered the (source, webhook_id) key, planners read every
  // webhook ever received from the source and sort the due ones; the claim index stays the way in.
  if (shape.bySources) pick += ` and source || '' ${dialect.inList(++index)}`
  if (shape.byIds) pick += ` and id ${dialect.inList(++index)}`
  pick += ` order by next_attempt_at limit ${dialect.claimLimit(++index)}`
  return (
    `update ${inbound} as i ` +
    `set status = 'processing', lease_owner = ${p(1)}, next_attempt_at = ${p(2)}, updated_at = ${p(3)} ` +
    `where i.id ${dialect.pickedBy(pick)} ` +
    'returning *'
  )
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
