/**
 * The predicate of a claimable row, written once: the claim queries and their partial indexes
 * must use the very same literal text, or SQLite and Postgres cannot match the query to the index.
 */
export const CLAIMABLE_DELIVERY = claimableDelivery('status')
export const CLAIMABLE_INBOUND = claimableInbound('status')

/**
 * The claimable predicates over an expression of the status. A claim among chosen ids passes
 * `unindexed('status')`: no partial index matches it then, and the primary key is the only way
 * in (see `claim-deliveries.ts`).
 */
export function claimableDelivery(status: string): string {
  return `${status} in ('pending', 'delivering')`
}

export function claimableInbound(status: string): string {
  return `${status} in ('pending', 'processing')`
}

/**
 * Where partial indexes are missing (MySQL), the claim index is on this generated column instead:
 * `next_attempt_at` while the row is claimable, `null` otherwise, so the index holds due work only
 * and a claim reads it as the partial index is read elsewhere (see `StorageDialect.claimDue`).
 */
export const CLAIM_DUE_COLUMN = 'claim_due_at'
