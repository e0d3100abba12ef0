import { z } from 'zod'
import { time } from '../admin/admin-schemas.js'
import type { DeliveryRecord, DeliveryStatus } from '../core/types.js'
import type { Relay } from '../relay.js'
import type { DeliveryFilter } from '../storage/storage.js'

/** A row of the message search: one delivery with its message's type and tenant and its endpoint's URL. */
export interface MessageSearchRow {
  delivery: DeliveryRecord
  message: { id: string; type: string; tenant: string | null; createdAt: Date } | null
  endpoint: { id: string; url: string } | null
}

const STATUS = ['pending', 'delivering', 'succeeded', 'dead', 'discarded'] as const satisfies readonly DeliveryStatus[]

/** The search's query string, validated at the edge. */
export const messageSearchQuery = z.strictObject({
  /** An id (`msg_…`, `dlv_…`) or an event type. */
  q: z.string().trim().max(200).optional(),
  type: z.string().min(1).max(200).optional(),
  status: z.enum(STATUS).optional(),
  endpointId: z.string().min(1).max(200).optional(),
  tenant: z.string().min(1).max(200).optional(),
  since: time.optional(),
  until: time.optional(),
  /** The class of the last response status: `2xx`…`5xx`, or `none` (no response: network error or not tried). */
  statusClass: z.enum(['2xx', '3xx', '4xx', '5xx', 'none']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
})

export type MessageSearchQuery = z.infer<typeof messageSearchQuery>

/** Pages of the storage scanned at most per search page when filtering on the response status class. */
const MAX_SCANS = 10

function classOf(code: number | null): '2xx' | '3xx' | '4xx' | '5xx' | 'none' {
  if (code === null) return 'none'
  if (code >= 500) return '5xx'
  if (code >= 400) return '4xx'
  if (code >= 300) return '3xx'
  return '2xx'
}

/**
 * Searches deliveries newest first with keyset pagination on the delivery id (the storage's own
 * indexed lists: each page reads `limit` rows past the cursor, never counts or offsets). The
 * response status class is filtered here; a page then scans at most `MAX_SCANS` storage pages and
 * may come back short with a cursor to continue, so a rare class never makes one request scan a table.
 */
export async function searchMessages(relay: Relay, query: MessageSearchQuery): Promise<{ data: MessageSearchRow[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50
  const filter: DeliveryFilter = {
    ...(query.type !== undefined && { eventType: query.type }),
    ...(query.status !== undefined && { status: query.status }),
    ...(query.endpointId !== undefined && { endpointId: query.endpointId }),
    ...(query.tenant !== undefined && { tenant: query.tenant }),
    ...(query.since !== undefined && { since: query.since }),
    ...(query.until !== undefined && { until: query.until }),
  }
  const q = query.q
  if (q) {
    if (q.startsWith('dlv_')) {
      const delivery = await relay.storage.getDelivery(q)
      const rows = delivery ? await withDetails(relay, [delivery]) : []
      // The other filters still apply (a tenant's portal must not find another tenant's delivery).
      const matching = rows.filter(
        ({ delivery: d, message }) =>
          (query.tenant === undefined || message?.tenant === query.tenant) &&
          (query.status === undefined || d.status === query.status) &&
          (query.endpointId === undefined || d.endpointId === query.endpointId) &&
          (query.type === undefined || message?.type === query.type) &&
          (!query.statusClass || classOf(d.lastStatusCode) === query.statusClass),
      )
      return { data: matching, nextCursor: null }
    }
    if (q.startsWith('msg_')) filter.messageId = q
    else if (q.startsWith('ep_')) filter.endpointId = q
    else filter.eventType = q
  }
  const found: DeliveryRecord[] = []
  let cursor = query.cursor ?? null
  for (let scan = 0; scan < MAX_SCANS; scan++) {
    const page = await relay.storage.listDeliveries({ ...filter, limit: limit - found.length, cursor })
    for (const delivery of page.data) {
      if (!query.statusClass || classOf(delivery.lastStatusCode) === query.statusClass) found.push(delivery)
    }
    cursor = page.nextCursor
    if (cursor === null || found.length >= limit) break
  }
  return { data: await withDetails(relay, found), nextCursor: cursor }
}

/** Adds each delivery's message summary and endpoint URL: one point lookup per distinct id. */
async function withDetails(relay: Relay, deliveries: DeliveryRecord[]): Promise<MessageSearchRow[]> {
  const messageIds = [...new Set(deliveries.map((d) => d.messageId))]
  const endpointIds = [...new Set(deliveries.map((d) => d.endpointId))]
  const [messages, endpoints] = await Promise.all([
    Promise.all(messageIds.map((id) => relay.storage.getMessage(id))),
    Promise.all(endpointIds.map((id) => relay.storage.getEndpoint(id))),
  ])
  const messageOf = new Map(messages.flatMap((m) => (m ? [[m.id, { id: m.id, type: m.type, tenant: m.tenant, createdAt: m.createdAt }] as const] : [])))
  const endpointOf = new Map(endpoints.flatMap((e) => (e ? [[e.id, { id: e.id, url: e.url }] as const] : [])))
  return deliveries.map((delivery) => ({
    delivery,
    message: messageOf.get(delivery.messageId) ?? null,
    endpoint: endpointOf.get(delivery.endpointId) ?? null,
  }))
}
