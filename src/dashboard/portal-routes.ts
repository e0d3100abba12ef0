import { z } from 'zod'
import { NotFoundError } from '../core/errors.js'
import { parseOrThrow } from '../core/validation.js'
import type { EndpointUpdate } from '../outbound/endpoint-input.js'
import type { Relay } from '../relay.js'
import { endpointDetail, endpointsWithStats, messageDetail, pageQuery, sendTestEvent, testEventBody } from './dashboard-queries.js'
import { flatQuery, JsonRouter, Status } from './json-router.js'
import { messageSearchQuery, searchMessages } from './message-search.js'
import { time } from '../admin/admin-schemas.js'

/** What a portal route knows: the relay and the tenant its session was made for. */
export interface PortalContext {
  relay: Relay
  tenant: string
}

/**
 * Every id a portal request names is checked against the session's tenant before anything is
 * read or changed; another tenant's id answers 404, exactly like an id that does not exist, so a
 * portal cannot even learn which ids exist elsewhere.
 */
async function ownEndpoint({ relay, tenant }: PortalContext, id: string): Promise<void> {
  const endpoint = await relay.storage.getEndpoint(id)
  if (!endpoint || endpoint.tenant !== tenant) throw new NotFoundError('Endpoint', id)
}

async function ownMessage({ relay, tenant }: PortalContext, id: string): Promise<void> {
  const message = await relay.storage.getMessage(id)
  if (!message || message.tenant !== tenant) throw new NotFoundError('Message', id)
}

async function ownDelivery({ relay, tenant }: PortalContext, id: string): Promise<void> {
  const delivery = await relay.storage.getDelivery(id)
  const message = delivery && (await relay.storage.getMessage(delivery.messageId))
  if (!message || message.tenant !== tenant) throw new NotFoundError('Delivery', id)
}

function body(request: { body?: unknown }): unknown {
  return request.body === undefined || request.body === null || request.body === '' ? {} : request.body
}

/** What a customer may set on their endpoints (never the tenant, never the relay's internals). */
const endpointFields = {
  url: z.string().min(1).max(2048),
  description: z.string().max(500).nullable().optional(),
  eventTypes: z.array(z.string().min(1).max(200)).max(100).optional(),
  channels: z.array(z.string().min(1).max(200)).max(100).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
}
const createEndpointBody = z.strictObject(endpointFields)
const updateEndpointBody = z.strictObject({ ...endpointFields, url: endpointFields.url.optional() })
const disableBody = z.strictObject({ reason: z.string().min(1).max(500).optional() })
const rotateBody = z.strictObject({ keepOldFor: z.union([z.string(), z.number()]).optional() })
const emptyBody = z.strictObject({})
const resendBody = z.strictObject({ endpointIds: z.array(z.string().min(1).max(200)).min(1).max(100) })
const bulkReplayBody = z.strictObject({ endpointId: z.string().min(1).max(200).optional(), eventType: z.string().min(1).max(200).optional(), since: time.optional(), until: time.optional(), all: z.literal(true).optional() })

/** The portal's routes under `/portal/api`: one tenant's endpoints, messages, attempts and dead letters. */
export const portalRoutes = new JsonRouter<PortalContext>()
  .add('GET', '/session', async ({ tenant }) => ({ tenant }))
  // The event types a tenant can subscribe to: the app's catalog, the same for every tenant.
  .add('GET', '/catalog', async ({ relay }) => ({ data: relay.catalog(), nextCursor: null }))
  .add('GET', '/endpoints', async ({ relay, tenant }, _p, request) =>
    endpointsWithStats(relay, { ...parseOrThrow(pageQuery, flatQuery(request), 'query'), tenant }),
  )
  .add('POST', '/endpoints', async ({ relay, tenant }, _p, request) => {
    const input = parseOrThrow(createEndpointBody, body(request), 'body')
    return new Status(201, await relay.endpoints.create({ ...input, tenant }))
  })
  .add('GET', '/endpoints/:id', async (ctx, { id }) => {
    await ownEndpoint(ctx, id!)
    return endpointDetail(ctx.relay, id!, ctx.tenant)
  })
  .add('PATCH', '/endpoints/:id', async (ctx, { id }, request) => {
    await ownEndpoint(ctx, id!)
    return ctx.relay.endpoints.update(id!, parseOrThrow(updateEndpointBody, body(request), 'body') as EndpointUpdate)
  })
  .add('DELETE', '/endpoints/:id', async (ctx, { id }) => {
    await ownEndpoint(ctx, id!)
    await ctx.relay.endpoints.delete(id!)
    return new Status(204)
  })
  .add('POST', '/endpoints/:id/disable', async (ctx, { id }, request) => {
    await ownEndpoint(ctx, id!)
    return ctx.relay.endpoints.disable(id!, parseOrThrow(disableBody, body(request), 'body').reason ?? 'disabled in the portal')
  })
  .add('POST', '/endpoints/:id/enable', async (ctx, { id }, request) => {
    parseOrThrow(emptyBody, body(request), 'body')
    await ownEndpoint(ctx, id!)
    return ctx.relay.endpoints.enable(id!)
  })
  .add('POST', '/endpoints/:id/rotate-secret', async (ctx, { id }, request) => {
    const { keepOldFor } = parseOrThrow(rotateBody, body(request), 'body')
    await ownEndpoint(ctx, id!)
    return ctx.relay.endpoints.rotateSecret(id!, keepOldFor === undefined ? {} : { keepOldFor })
  })
  .add('POST', '/endpoints/:id/test', async (ctx, { id }, request) => {
    const { type } = parseOrThrow(testEventBody, body(request), 'body')
    await ownEndpoint(ctx, id!)
    return new Status(201, await sendTestEvent(ctx.relay, id!, type))
  })
  .add('GET', '/endpoints/:id/secret', async (ctx, { id }) => {
    await ownEndpoint(ctx, id!)
    return { secret: await ctx.relay.endpoints.getSecret(id!) }
  })
  .add('GET', '/messages', async ({ relay, tenant }, _p, request) =>
    searchMessages(relay, { ...parseOrThrow(messageSearchQuery.omit({ tenant: true }), flatQuery(request), 'query'), tenant }),
  )
  .add('GET', '/messages/:id', async (ctx, { id }) => {
    await ownMessage(ctx, id!)
    return messageDetail(ctx.relay, id!, ctx.tenant)
  })
  .add('POST', '/messages/:id/resend', async (ctx, { id }, request) => {
    const { endpointIds } = parseOrThrow(resendBody, body(request), 'body')
    await ownMessage(ctx, id!)
    // Only this tenant's endpoints: another tenant's id is 404 like the rest of the portal.
    for (const endpointId of endpointIds) await ownEndpoint(ctx, endpointId)
    return ctx.relay.messages.resend(id!, { endpointIds })
  })
  .add('GET', '/dlq', async ({ relay, tenant }, _p, request) => {
    const query = parseOrThrow(messageSearchQuery.omit({ status: true, statusClass: true, tenant: true }), flatQuery(request), 'query')
    return searchMessages(relay, { ...query, tenant, status: 'dead' })
  })
  .add('POST', '/dlq/replay', async ({ relay, tenant }, _p, request) => {
    const { all: _all, ...filter } = parseOrThrow(bulkReplayBody, body(request), 'body')
    return relay.dlq.replayMany({ ...filter, tenant })
  })
  .add('POST', '/dlq/:id/replay', async (ctx, { id }, request) => {
    parseOrThrow(emptyBody, body(request), 'body')
    await ownDelivery(ctx, id!)
    return ctx.relay.dlq.replay(id!)
  })
  .add('POST', '/dlq/:id/discard', async (ctx, { id }, request) => {
    parseOrThrow(emptyBody, body(request), 'body')
    await ownDelivery(ctx, id!)
    return ctx.relay.dlq.discard(id!)
  })
