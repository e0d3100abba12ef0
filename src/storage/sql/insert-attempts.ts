import type { BatchColumns, StorageDialect } from '../dialect/dialect.js'
import type { AttemptRowValues } from '../schema/row-mappers.js'

/** The attempts table's columns, in the order the batch carries them. */
const COLUMNS = {
  id: 'text',
  delivery_id: 'text',
  message_id: 'text',
  endpoint_id: 'text',
  number: 'integer',
  started_at: 'bigint',
  duration_ms: 'integer',
  status_code: 'integer',
  response_body: 'text',
  error: 'text',
  outcome: 'text',
  triggered_by: 'text',
} as const satisfies BatchColumns

const NAMES = Object.keys(COLUMNS).join(', ')

/**
 * Records a batch of attempts, skipping those whose delivery no longer exists (its endpoint was
 * deleted mid-attempt); the existence check searches the deliveries' primary key.
 */
export function insertAttemptsSql(dialect: StorageDialect, attempts: string, deliveries: string, rows: number): string {
  return (
    `insert into ${attempts} (${NAMES}) ` +
    `select ${NAMES} from ${dialect.batch(COLUMNS, rows)} ` +
    `where exists (select 1 from ${deliveries} as d where d.id = v.delivery_id)`
  )
}

/** The parameters of `insertAttemptsSql` for `rows`. */
export function insertAttemptsParameters(dialect: StorageDialect, rows: readonly AttemptRowValues[]): unknown[] {
  return dialect.batchParameters(COLUMNS, rows)
}
