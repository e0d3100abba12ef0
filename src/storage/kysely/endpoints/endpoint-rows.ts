import { OPERATIONAL_TENANT } from '../../../core/operational.js'
import type { EndpointRecord } from '../../../core/types.js'
import { endpointFromRow, endpointPatchToRow, endpointToRow } from '../../schema/row-mappers.js'
import type { EndpointFilter, EndpointPatch, Page } from '../../storage.js'
import type { StorageDialect } from '../../dialect/dialect.js'
import { runTransaction } from '../run-transaction.js'
import { pageLimit, toPage, type Db } from '../kysely-storage-helpers.js'

export async function insertEndpoint(db: Db, endpoint: EndpointRecord): Promise<void> {
  await db.insertInto('endpoints').values(endpointToRow(endpoint)).execute()
}

export async function getEndpoint(db: Db, id: string): Promise<EndpointRecord | undefined> {
  const row = await db
    .selectFrom('endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row && endpointFromRow(row)
}

export async function listEndpoints(db: Db, filter: EndpointFilter): Promise<Page<EndpointRecord>> {
  const limit = pageLimit(filter.limit)
  let query = db.selectFrom('endpoints').selectAll().where('deleted_at', 'is', null)
  if (filter.tenant !== undefined) {
    query = filter.tenant === null ? query.where('tenant', 'is', null) : query.where('tenant', '=', filter.tenant)
  } else {
    // The operational webhook's endpoint is listed only when asked for by its tenant.
    query = query.where((eb) => eb.or([eb('tenant', 'is', null), eb('tenant', '!=', OPERATIONAL_TENANT)]))
  }
  if (filter.disabled !== undefined) {
    query = query.where('disabled_at', filter.disabled ? 'is not' : 'is', null)
  }
  if (filter.cursor) query = query.where('id', '<', filter.cursor)
  const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, endpointFromRow)
}

export async function updateEndpoint(
  db: Db,
  dialect: StorageDialect,
  id: string,
  patch: EndpointPatch,
): Promise<EndpointRecord | undefined> {
  const update = (executor: Db) =>
    executor
      .updateTable('endpoints')
      .set(endpointPatchToRow(patch))
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
  if (dialect.capabilities.returning) {
    const row = await update(db).returningAll().executeTakeFirst()
    return row && endpointFromRow(row)
  }
  // Without RETURNING: update, then read the row back in the same transaction.
  return runTransaction(db, async (tx) => {
    const result = await update(tx).executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) return undefined
    const row = await tx.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst()
    return row && endpointFromRow(row)
  })
}
