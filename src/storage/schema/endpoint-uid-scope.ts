import { createHash } from 'node:crypto'

/**
 * The uniqueness key of an endpoint's uid within its tenant: a SHA-256 of `[tenant, uid]` (hex,
 * 64 characters), or `null` without a uid. A hash rather than the two values: endpoints without a
 * tenant must collide too (NULLs are distinct in unique indexes on Postgres and SQLite), and a
 * tenant (up to 256 characters) plus a uid would not fit a MySQL index key.
 */
export function endpointUidScope(tenant: string | null, uid: string | null): string | null {
  if (uid === null) return null
  return createHash('sha256').update(JSON.stringify([tenant, uid])).digest('hex')
}
