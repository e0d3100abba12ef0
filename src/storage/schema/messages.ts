import type { Selectable } from 'kysely'
import type { MessageRecord } from '../../core/types.js'
import type { MessagesTable } from './database.js'
import { toDate, toMillis } from './time.js'
import { parseJson } from './json.js'

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
