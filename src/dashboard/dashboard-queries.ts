import { z } from 'zod'
import type { Relay } from '../relay.js'
import { searchMessages } from './message-search.js'

/** Reads the dashboard and the portal share; the portal passes its tenant, the dashboard none. */

export const pageQuery = z.strictObject({
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
})

/** Endpoints with their health over 24 h, a page at a time. */
export async function endpointsWithStats(relay: Relay, query: { cursor?: string; limit?: number; tenant?: string }) {
  const endpoints = await relay.endpoints.list({ limit: query.limit ?? 50, cursor: query.cursor ?? null, ...(query.tenant !== undefined && { tenant: query.tenant }) })
  const data = await Promise.all(
    endpoints.data.map(async (endpoint) => ({ endpoint, stats: await relay.endpoints.stats(endpoint.id, { window: '24h' }) })),
  )
  return { data, nextCursor: endpoints.nextCursor }
}

/** One endpoint (without secrets), its stats and its last 20 deliveries. */
export async function endpointDetail(relay: Relay, id: string, tenant?: string) {
  const endpoint = await relay.endpoints.get(id)
  const [stats, recent] = await Promise.all([
    relay.endpoints.stats(id, { window: '24h' }),
    searchMessages(relay, { endpointId: id, limit: 20, ...(tenant !== undefined && { tenant }) }),
  ])
  return { endpoint, stats, recent: recent.data }
}

/**
 * A message with its exact payload, every delivery with its endpoint URL and its attempts (with
 * their request headers, redacted), oldest first. With `tenant`, only deliveries to that tenant's endpoints are shown.
 */
export async function messageDetail(relay: Relay, id: string, tenant?: string) {
  const message = await relay.messages.get(id)
  const attempts = await relay.attempts.list({ messageId: id, limit: 1000 })
  const endpointIds = [...new Set(message.deliveries.map((d) => d.endpointId))]
  const records = (await Promise.all(endpointIds.map((e) => relay.storage.getEndpoint(e)))).flatMap((e) => (e ? [e] : []))
  const endpoints = new Map(records.map((e) => [e.id, e.url] as const))
  const visible = tenant === undefined ? message.deliveries : message.deliveries.filter((d) => records.some((e) => e.id === d.endpointId && e.tenant === tenant))
  return {
    message: {
      id: message.id,
      type: message.type,
      tenant: message.tenant,
      channels: message.channels,
      idempotencyKey: message.idempotencyKey,
      createdAt: message.createdAt,
      payload: message.payload,
    },
    deliveries: await Promise.all(
      visible.map(async (delivery) => ({
        delivery,
        endpoint: endpoints.has(delivery.endpointId) ? { id: delivery.endpointId, url: endpoints.get(delivery.endpointId)! } : null,
        attempts: await Promise.all(
          attempts.data
            .filter((a) => a.deliveryId === delivery.id)
            .reverse()
            // Request headers as sent, signature and custom header values redacted (see attempts.requestHeaders).
            .map(async (attempt) => ({ ...attempt, requestHeaders: await relay.attempts.requestHeaders(attempt) })),
        ),
      })),
    ),
  }
}

/** The body of "send test event": an event type (a `webhook.test` ping unless given). */
export const testEventBody = z.strictObject({ type: z.string().min(1).max(200).regex(/^[\w.:-]+$/, 'letters, digits, `.`, `:`, `_`, `-`').optional() })

/**
 * "Send test event": `relay.endpoints.sendTest`, a real message to this endpoint only (ignoring its
 * event-type filter), marked `"test": true`, delivered, signed and logged like any other, so its
 * attempts show what the receiver said. With a catalog, the type's first example is sent.
 */
export async function sendTestEvent(relay: Relay, id: string, type?: string) {
  const sent = await relay.endpoints.sendTest(id, type === undefined ? {} : { type })
  return { messageId: sent.messageId, deliveryIds: sent.deliveryIds, type: sent.type }
}
