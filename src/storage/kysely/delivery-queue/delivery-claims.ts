import { CompiledQuery, sql } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import type { DeliveryStatus, EndpointRecord } from '../../../core/types.js'
import type { StorageDialect } from '../../dialect/dialect.js'
import {
  deliveryFromRow,
  endpointFromRow,
  messageFromRow,
  toMillis,
  toNullableDate,
  type DeliveryRow,
  type EndpointRow,
  type MessageRow,
} from '../../schema/row-mappers.js'
import type { ClaimedDelivery, ClaimOptions, DueDelivery } from '../../storage.js'
import { CLAIMABLE_DELIVERY } from '../../sql/claimable.js'
import { listDueDeliveriesSql } from '../../sql/list-due-deliveries.js'
import { claimDeliveriesParameters, claimDeliveriesSql, claimDeliveriesSteps, selectByIdsSql } from '../../sql/claim-deliveries.js'
import type { ClaimSteps } from '../../sql/claim-steps.js'
import { claimInSteps } from '../claim-in-steps.js'
import { byId, checkClaimOptions, chunks, IDS_PER_STATEMENT, unique, type Db } from '../kysely-storage-helpers.js'

/** A row of the claim statement: the delivery, with its message and endpoint (returned or read next). */
export type ClaimedRow = DeliveryRow & { message?: MessageRow | undefined; endpoint?: EndpointRow | null | undefined }

/** The claim statements' text, built once (see `sql/claim-deliveries.ts`). */
export interface ClaimSql {
  readonly due: string
  readonly byIds: string
  readonly messages: string
  readonly endpoints: string
  readonly listDue: string
  /** The claims in steps, where the database has no `UPDATE … RETURNING` (see `sql/claim-steps.ts`). */
  readonly steps: { readonly due: ClaimSteps; readonly byIds: ClaimSteps } | undefined
}

export function buildClaimSql(
  dialect: StorageDialect,
  claimTables: { deliveries: string; messages: string; endpoints: string },
): ClaimSql {
  return {
    due: claimDeliveriesSql(dialect, claimTables, false),
    byIds: claimDeliveriesSql(dialect, claimTables, true),
    messages: selectByIdsSql(dialect, claimTables.messages),
    endpoints: selectByIdsSql(dialect, claimTables.endpoints),
    listDue: listDueDeliveriesSql(dialect, claimTables.deliveries),
    steps: dialect.capabilities.returning
      ? undefined
      : {
          due: claimDeliveriesSteps(dialect, claimTables.deliveries, false),
          byIds: claimDeliveriesSteps(dialect, claimTables.deliveries, true),
        },
  }
}

export async function listDueDeliveries(
  db: Db,
  claimSql: ClaimSql,
  options: { now: Date; limit: number; horizonMs?: number },
): Promise<DueDelivery[]> {
  checkClaimOptions({ ...options, owner: '', leaseMs: 1 })
  const now = toMillis(options.now)
  const horizon = now + Math.max(0, options.horizonMs ?? 0)
  const { rows } = await db.executeQuery<{ id: string; next_attempt_at: number | string }>(
    CompiledQuery.raw(claimSql.listDue, [horizon, now, options.limit]),
  )
  return rows.map((row) => ({ deliveryId: row.id, dueAt: new Date(Number(row.next_attempt_at)) }))
}

/** Claims due deliveries, oldest first, or only among `ids` (one statement, see `sql/claim-deliveries.ts`). */
export async function claimDeliveryRows(
  db: Db,
  dialect: StorageDialect,
  claimSql: ClaimSql,
  options: ClaimOptions,
  ids: readonly string[] | undefined,
): Promise<ClaimedDelivery[]> {
  checkClaimOptions(options)
  if (ids && ids.length === 0) return []
  const params = claimDeliveriesParameters(dialect, options, ids)
  let rows: ClaimedRow[]
  if (claimSql.steps) {
    rows = await claimInSteps<ClaimedRow>(db, dialect, ids ? claimSql.steps.byIds : claimSql.steps.due, params)
  } else {
    rows = (await db.executeQuery<ClaimedRow>(CompiledQuery.raw(ids ? claimSql.byIds : claimSql.due, params))).rows
  }
  if (rows.length === 0) return []
  if (!dialect.claimReturnsRelated) await readRelated(db, dialect, claimSql, rows)
  return claimedFromRows(rows)
}

/** Claimed rows, each with its message and endpoint row attached, as claimed deliveries in id order. */
export function claimedFromRows(rows: readonly ClaimedRow[]): ClaimedDelivery[] {
  // The claim returns each endpoint once (see `claimDeliveriesSql`): one record per endpoint,
  // shared by its deliveries, also saves mapping the same row again for each of them.
  const endpoints = new Map<string, EndpointRecord>()
  for (const row of rows) {
    if (row.endpoint && !endpoints.has(row.endpoint_id)) endpoints.set(row.endpoint_id, endpointFromRow(row.endpoint))
  }
  const claimed = rows.map((row): ClaimedDelivery => {
    const delivery = deliveryFromRow(row)
    if (!row.message) {
      // The foreign key makes this impossible unless the tables were edited by hand.
      throw new HookrelayError('STORAGE_INCONSISTENT', `Delivery ${delivery.id} refers to a missing message ${delivery.messageId}.`)
    }
    return { delivery, message: messageFromRow(row.message), endpoint: endpoints.get(row.endpoint_id) }
  })
  return claimed.sort((a, b) => byId(a.delivery, b.delivery))
}

/** Attaches their message and endpoint rows to claimed rows, where the claim could not return them. */
async function readRelated(db: Db, dialect: StorageDialect, claimSql: ClaimSql, rows: ClaimedRow[]): Promise<void> {
  const messages = new Map<string, MessageRow>()
  const endpoints = new Map<string, EndpointRow>()
  const read = async <R extends { id: string }>(text: string, ids: readonly string[], into: Map<string, R>) => {
    for (const chunk of chunks(ids, IDS_PER_STATEMENT)) {
      const found = await db.executeQuery<R>(CompiledQuery.raw(text, [dialect.listParameter(chunk)]))
      for (const row of found.rows) into.set(row.id, row)
    }
  }
  await read(claimSql.messages, unique(rows.map((r) => r.message_id)), messages)
  await read(claimSql.endpoints, unique(rows.map((r) => r.endpoint_id)), endpoints)
  for (const row of rows) {
    row.message = messages.get(row.message_id)
    row.endpoint = endpoints.get(row.endpoint_id)
  }
}

export async function findBlockingDelivery(
  db: Db,
  endpointId: string,
  deliveryId: string,
): Promise<{ id: string; status: DeliveryStatus; nextAttemptAt: Date | null } | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select(['id', 'status', 'next_attempt_at'])
    .where('endpoint_id', '=', endpointId)
    // Literal, as in the partial index (endpoint_id, id) of unfinished deliveries it reads.
    .where(sql<boolean>`${sql.raw(CLAIMABLE_DELIVERY)}`)
    .where('id', '<', deliveryId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  return row
    ? { id: row.id, status: row.status, nextAttemptAt: toNullableDate(row.next_attempt_at) }
    : undefined
}
