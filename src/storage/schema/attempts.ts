import type { Selectable } from 'kysely'
import type { AttemptOutcome, AttemptRecord, AttemptTrigger } from '../../core/types.js'
import { toDate, toMillis, type Millis } from './time.js'

/** The `attempts` table's columns (logical name; the real one carries the prefix). */
export interface AttemptsTable {
  id: string
  delivery_id: string
  message_id: string
  endpoint_id: string
  number: number
  started_at: Millis
  duration_ms: number
  status_code: number | null
  response_body: string | null
  error: string | null
  outcome: AttemptOutcome
  /** `scheduled` or `manual` (`trigger` is an SQL keyword, hence the name). */
  triggered_by: AttemptTrigger
}

/** Attempt rows: the `attempts` table's row as read, and the mappers to its record and back. */
export type AttemptRow = Selectable<AttemptsTable>

export function attemptFromRow(row: AttemptRow): AttemptRecord {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    number: Number(row.number),
    startedAt: toDate(row.started_at),
    durationMs: Number(row.duration_ms),
    statusCode: row.status_code,
    responseBody: row.response_body,
    error: row.error,
    outcome: row.outcome,
    trigger: row.triggered_by,
  }
}

export function attemptToRow(attempt: AttemptRecord) {
  return {
    id: attempt.id,
    delivery_id: attempt.deliveryId,
    message_id: attempt.messageId,
    endpoint_id: attempt.endpointId,
    number: attempt.number,
    started_at: toMillis(attempt.startedAt),
    duration_ms: Math.round(attempt.durationMs),
    status_code: attempt.statusCode,
    response_body: attempt.responseBody,
    error: attempt.error,
    outcome: attempt.outcome,
    triggered_by: attempt.trigger,
  }
}

/** The column values of an attempt row, as `attemptToRow` makes them. */
export type AttemptRowValues = ReturnType<typeof attemptToRow>
