import type { Kysely } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import { DATABASE_ID } from '../../migrations/004-database-identity.js'
import { runTransaction } from '../run-transaction.js'
import type { HookrelayDatabase } from '../../schema/database.js'

type Db = Kysely<HookrelayDatabase>

/**
 * Endpoint state that outlives a process: soft deletion, and the circuit as the workers left it;
 * plus the identity of this set of tables. Statements of `KyselyStorage`, kept apart from the hot
 * claim and settle statements.
 */

/**
 * Marks the endpoint deleted and ends its unfinished work: pending and in-flight deliveries become
 * `discarded` (reason `endpoint_deleted`; an in-flight attempt's settlement then changes nothing),
 * dead letters are discarded (they could not be replayed). Deliveries and attempts stay until
 * retention purges them. Returns false if there was no such endpoint (or it was deleted already).
 */
export async function softDeleteEndpoint(db: Db, id: string, at: number): Promise<boolean> {
  return runTransaction(db, async (tx) => {
    // Deliveries first, then the endpoint: the order a settlement locks them in (its deliveries,
    // then endpoint health), so the two never deadlock on Postgres.
    await tx
      .updateTable('deliveries')
      .set({ status: 'discarded', dead_reason: 'endpoint_deleted', next_attempt_at: null, lease_owner: null, completed_at: at, updated_at: at })
      .where('endpoint_id', '=', id)
      .where('status', 'in', ['pending', 'delivering'])
      .execute()
    await tx
      .updateTable('deliveries')
      .set({ status: 'discarded', next_attempt_at: null, lease_owner: null, updated_at: at })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'dead')
      .execute()
    const result = await tx
      .updateTable('endpoints')
      // uid_scope cleared: the uid may name a new endpoint; the deleted one keeps it for history.
      .set({ deleted_at: at, updated_at: at, circuit_open_until: null, uid_scope: null })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  })
}

/** Records the circuit a worker opened (until when) or closed (`null`). No-op for an unknown endpoint. */
export async function updateEndpointCircuit(db: Db, id: string, openUntil: number | null): Promise<void> {
  await db.updateTable('endpoints').set({ circuit_open_until: openUntil }).where('id', '=', id).execute()
}

/** The circuit as the workers left it, or `undefined` if the endpoint does not exist (or was deleted). */
export async function selectEndpointCircuit(db: Db, id: string): Promise<{ openUntil: Date | null } | undefined> {
  const row = await db
    .selectFrom('endpoints')
    .select('circuit_open_until')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  return { openUntil: row.circuit_open_until === null ? null : new Date(Number(row.circuit_open_until)) }
}

/** The random identity migration 003 stored; throws `NOT_MIGRATED` before it ran. */
export async function selectDatabaseId(db: Db): Promise<string> {
  let row: { value: string } | undefined
  try {
    row = await db.selectFrom('meta').select('value').where('name', '=', DATABASE_ID).executeTakeFirst()
  } catch (error) {
    throw new HookrelayError('NOT_MIGRATED', "hookrelay's tables are not migrated yet: run relay.migrate() (or `hookrelay migrate`).", {
      cause: error,
    })
  }
  if (!row) throw new HookrelayError('NOT_MIGRATED', "hookrelay's database identity is missing: run relay.migrate() (or `hookrelay migrate`).")
  return row.value
}
