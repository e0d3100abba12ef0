import type { Selectable } from 'kysely'
import type { MessageRecord } from '../../core/types.js'
import { toDate, toMillis, type Millis } from './time.js'
import { parseJson } from './json.js'

/** The `messages` table's columns (logical name; the real one carries the prefix). */
export interface MessagesTable {
  id: string
  tenant: string | null
  type: string
  payload: string
  /** JSON `string[]`. */
  channels: string
  idempotency_key: string | null
  /** Unique; computed by the caller (e.g. tenant + key). NULL never conflicts. */
  idempotency_scope: string | null
  /** The W3C traceparent of the send span, when OpenTelemetry is on (migration 014). */
  trace_context: string | null
  created_at: Millis
}

/** Message rows: the `messages` table's row as read, and the mappers to its record and back. */
export type MessageRow = Selectable<MessagesTable>

export function messageFromRow(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    type: row.type,
    payload: row.payload,
    channels: parseJson<string[]>(row.channels),
    idempotencyKey: row.idempotency_key,
    createdAt: toDate(row.created_at),
    ...(row.trace_context ? { traceContext: row.trace_context } : {}),
  }
}

export function messageToRow(message: MessageRecord, idempotencyScope: string | null) {
  return {
    id: message.id,
    tenant: message.tenant,
    type: message.type,
    payload: message.payload,
    channels: JSON.stringify(message.channels),
    idempotency_key: message.idempotencyKey,
    idempotency_scope: idempotencyScope,
    created_at: toMillis(message.createdAt),
    trace_context: message.traceContext ?? null,
  }
}
