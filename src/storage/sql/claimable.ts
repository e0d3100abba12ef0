/**
 * The predicate of a claimable row, written once: the claim queries and their partial indexes
 * must use the very same literal text, or SQLite and Postgres cannot match the query to the index.
 */
export const CLAIMABLE_DELIVERY = "status in ('pending', 'delivering')"
export const CLAIMABLE_INBOUND = "status in ('pending', 'processing')"
