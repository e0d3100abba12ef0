import type { StorageDialect } from '../../dialect/dialect.js'
import type { EndpointRecord } from '../../../core/types.js'
import { endpointUidScope } from '../../schema/endpoint-uid-scope.js'
import type { Db } from '../kysely-storage-helpers.js'
import { endpointFromRow, endpointToRow } from '../../schema/row-mappers.js'
import type { EndpointInsertResult } from '../../storage-types.js'

/** The live endpoint with this uid in this tenant (`null`: the endpoints without a tenant). */
export async function getEndpointByUid(db: Db, uid: string, tenant: string | null): Promise<EndpointRecord | undefined> {
  const scope = endpointUidScope(tenant, uid)
  if (scope === null) return undefined
  const row = await db.selectFrom('endpoints').selectAll().where('uid_scope', '=', scope).where('deleted_at', 'is', null).executeTakeFirst()
  return row && endpointFromRow(row)
}

/**
 * Inserts an endpoint that has a uid, unless its tenant already has one with that uid: then
 * returns that one. One statement decides (`on conflict do nothing` on the unique `uid_scope`), so
 * concurrent registrations of one uid store one endpoint; on Postgres the loser's insert waits for
 * the winner's commit, so the read that follows finds it.
 */
export async function insertEndpointOnce(db: Db, dialect: StorageDialect, endpoint: EndpointRecord): Promise<EndpointInsertResult> {
  if (endpoint.uid === null) throw new TypeError('insertEndpointOnce: the endpoint has no uid.')
  // The dialect writes the conflict-ignoring insert (`on conflict do nothing`, MySQL's `on duplicate key`).
  if (await dialect.insertIfAbsent(db.insertInto('endpoints').values(endpointToRow(endpoint)), 'uid_scope')) return { inserted: true }
  const existing = await getEndpointByUid(db, endpoint.uid, endpoint.tenant)
  // Deleted between the conflict and the read: its uid is free again, so try once more.
  if (!existing) return insertEndpointOnce(db, dialect, endpoint)
  return { inserted: false, existing }
}
