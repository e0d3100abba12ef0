import type { z } from 'zod'
import { ValidationError } from '../core/errors.js'
import { parseOrThrow } from '../core/validation.js'
import type { EndpointInput, EndpointUpdate } from '../outbound/endpoint-input.js'
import { sendTestOptionsSchema } from '../outbound/send-test.js'
import type { AdminRelay } from './admin-relay.js'
import type { AdminRequest } from './admin-types.js'
import * as schemas from './admin-schemas.js'
import { openApiDocument } from './openapi/openapi-document.js'

export type Params = Record<string, string>
type RouteHandler = (relay: AdminRelay, params: Params, request: AdminRequest) => Promise<{ status?: number; body?: unknown }>

export interface Route {
  method: string
  pattern: string
  segments: string[]
  handle: RouteHandler
}

export const routes: Route[] = []
function route(method: string, pattern: string, handle: RouteHandler): void {
  routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handle })
}

/** Validates a query (single values only) with `schema`. */
function query<T>(schema: z.ZodType<T>, request: AdminRequest): T {
  const flat: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.query)) {
    if (value === undefined) continue
    if (Array.isArray(value)) {
      throw new ValidationError(`Invalid query: ${key} was given ${value.length} times; give it once.`, [
        { path: [key], message: 'given more than once' },
      ])
    }
    flat[key] = value
  }
  return parseOrThrow(schema, flat, 'query')
}

/** Validates a JSON body with `schema`; a missing body counts as `{}`. */
function body<T>(schema: z.ZodType<T>, request: AdminRequest): T {
  const value = request.body === undefined || request.body === null || request.body === '' ? {} : request.body
  return parseOrThrow(schema, value, 'body')
}

function objectBody(request: AdminRequest): Record<string, unknown> {
  const value = request.body
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('Invalid body: expected a JSON object.', [{ path: [], message: 'expected a JSON object' }])
  }
  return value as Record<string, unknown>
}

// ---- routes -------------------------------------------------------------------------------------

route('GET', '/health', async (relay) => {
  await relay.storage.listEndpoints({ limit: 1 })
  return { body: { status: 'ok', storage: relay.storage.dialect } }
})
route('GET', '/stats', async (relay, _p, req) => ({ body: await relay.stats(query(schemas.statsQuery, req)) }))
route('GET', '/catalog', async (relay) => ({ body: { data: relay.catalog(), nextCursor: null } }))
route('GET', '/openapi.json', async (relay) => ({ body: openApiDocument(ADMIN_ROUTES, relay.catalog()) }))

route('GET', '/endpoints', async (relay, _p, req) => ({ body: await relay.endpoints.list(query(schemas.endpointListQuery, req)) }))
route('POST', '/endpoints', async (relay, _p, req) => {
  const endpoint = await relay.endpoints.create(objectBody(req) as unknown as EndpointInput)
  // 200 with `created: false` when the uid named an existing endpoint, returned unchanged.
  return { status: endpoint.created ? 201 : 200, body: endpoint }
})
route('PUT', '/endpoints', async (relay, _p, req) => {
  const endpoint = await relay.endpoints.upsert(objectBody(req) as unknown as EndpointInput & { uid: string })
  return { status: endpoint.created ? 201 : 200, body: endpoint }
})
// By id, or by uid within `?tenant=` (default: the endpoints without a tenant).
route('GET', '/endpoints/:id', async (relay, p, req) => ({ body: await relay.endpoints.get(p.id!, query(schemas.endpointGetQuery, req)) }))
route('PATCH', '/endpoints/:id', async (relay, p, req) => ({
  body: await relay.endpoints.update(p.id!, objectBody(req) as EndpointUpdate),
}))
route('DELETE', '/endpoints/:id', async (relay, p) => {
  await relay.endpoints.delete(p.id!)
  return { status: 204 }
})
route('POST', '/endpoints/:id/disable', async (relay, p, req) => ({
  body: await relay.endpoints.disable(p.id!, body(schemas.disableBody, req).reason),
}))
route('POST', '/endpoints/:id/enable', async (relay, p, req) => {
  body(schemas.emptyBody, req)
  return { body: await relay.endpoints.enable(p.id!) }
})
route('POST', '/endpoints/:id/rotate-secret', async (relay, p, req) => ({
  body: await relay.endpoints.rotateSecret(p.id!, body(schemas.rotateSecretBody, req)),
}))
route('GET', '/endpoints/:id/secret', async (relay, p) => ({ body: { secret: await relay.endpoints.getSecret(p.id!) } }))
route('GET', '/endpoints/:id/headers', async (relay, p) => ({ body: { headers: await relay.endpoints.getHeaders(p.id!) } }))
route('GET', '/endpoints/:id/stats', async (relay, p, req) => ({
  body: await relay.endpoints.stats(p.id!, query(schemas.statsQuery, req)),
}))
route('POST', '/endpoints/:id/test', async (relay, p, req) => ({
  status: 201,
  body: await relay.endpoints.sendTest(p.id!, body(sendTestOptionsSchema, req)),
}))
route('POST', '/endpoints/:id/recover', async (relay, p, req) => ({
  body: await relay.endpoints.recover(p.id!, body(schemas.recoverBody, req)),
}))

route('GET', '/messages/:id', async (relay, p) => ({ body: await relay.messages.get(p.id!) }))
route('POST', '/messages/:id/resend', async (relay, p, req) => ({
  status: 201,
  body: await relay.messages.resend(p.id!, body(schemas.resendBody, req)),
}))
route('GET', '/deliveries', async (relay, _p, req) => ({ body: await relay.deliveries.list(query(schemas.deliveryListQuery, req)) }))
route('GET', '/deliveries/:id', async (relay, p) => ({ body: await relay.deliveries.get(p.id!) }))
route('GET', '/attempts', async (relay, _p, req) => ({ body: await relay.attempts.list(query(schemas.attemptListQuery, req)) }))

route('GET', '/dlq', async (relay, _p, req) => ({ body: await relay.dlq.list(query(schemas.deadLetterListQuery, req)) }))
route('POST', '/dlq/replay', async (relay, _p, req) => {
  const { all: _all, ...filter } = body(schemas.deadLetterBulkBody, req)
  return { body: await relay.dlq.replayMany(filter) }
})
route('POST', '/dlq/:id/replay', async (relay, p, req) => {
  body(schemas.emptyBody, req)
  return { body: await relay.dlq.replay(p.id!) }
})
route('POST', '/dlq/:id/discard', async (relay, p, req) => {
  body(schemas.emptyBody, req)
  return { body: await relay.dlq.discard(p.id!) }
})

route('GET', '/inbound', async (relay, _p, req) => ({ body: await relay.inbound.list(query(schemas.inboundListQuery, req)) }))
route('GET', '/inbound/:id', async (relay, p) => ({ body: await relay.inbound.get(p.id!) }))
route('POST', '/inbound/replay', async (relay, _p, req) => {
  const { all: _all, ...filter } = body(schemas.inboundBulkBody, req)
  return { body: await relay.inbound.replayMany(filter) }
})
route('POST', '/inbound/:id/replay', async (relay, p, req) => {
  body(schemas.emptyBody, req)
  return { body: await relay.inbound.replay(p.id!) }
})
route('POST', '/inbound/:id/discard', async (relay, p, req) => {
  body(schemas.emptyBody, req)
  return { body: await relay.inbound.discard(p.id!) }
})

/** Every route as `METHOD /path`, for documentation and tests. */
export const ADMIN_ROUTES: readonly string[] = routes.map((r) => `${r.method} ${r.pattern}`)

export function match(route: Route, segments: string[]): Params | null {
  if (route.segments.length !== segments.length) return null
  const params: Params = {}
  for (let i = 0; i < segments.length; i++) {
    const want = route.segments[i]!
    const got = segments[i]!
    if (want.startsWith(':')) params[want.slice(1)] = got
    else if (want !== got) return null
  }
  return params
}

export function segmentsOf(path: string): string[] | null {
  try {
    return path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent)
  } catch {
    return null
  }
}
