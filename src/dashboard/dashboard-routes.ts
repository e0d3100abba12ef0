import { z } from 'zod'
import { adminError } from '../admin/admin-handlers.js'
import { HookrelayError, NotFoundError, ValidationError } from '../core/errors.js'
import { parseOrThrow } from '../core/validation.js'
import type { Relay } from '../relay.js'
import type { DashboardRequest, DashboardResponse } from './dashboard-http.js'
import type { LiveFeed } from './live-feed.js'
import { messageSearchQuery, searchMessages } from './message-search.js'

/** What every dashboard route can use. */
export interface RouteContext {
  relay: Relay
  feed: LiveFeed
  title: string
}

type Params = Record<string, string>
type Handle = (ctx: RouteContext, params: Params, request: DashboardRequest) => Promise<unknown>

const routes: { segments: string[]; handle: Handle }[] = []
/** A GET route of the dashboard's own JSON (changes go through the admin API's routes). */
function get(pattern: string, handle: Handle): void {
  routes.push({ segments: pattern.split('/').filter(Boolean), handle })
}

function flatQuery(request: DashboardRequest): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.query)) {
    if (typeof value === 'string' && value !== '') flat[key] = value
    else if (Array.isArray(value)) throw new ValidationError(`Invalid query: ${key} was given ${value.length} times; give it once.`)
  }
  return flat
}

const page = z.strictObject({ cursor: z.string().min(1).max(200).optional(), limit: z.coerce.number().int().min(1).max(200).optional() })

get('/overview', async ({ relay, feed, title }) => {
  const stats = await relay.stats({ window: '1h' })
  const circuits = [...feed.circuitStates].filter(([, state]) => state !== 'closed').map(([endpointId, state]) => ({ endpointId, state }))
  return { title, stats, circuits }
})

get('/endpoints', async ({ relay }, _p, request) => {
  const query = parseOrThrow(page.extend({ tenant: z.string().min(1).max(200).optional() }), flatQuery(request), 'query')
  const endpoints = await relay.endpoints.list({ limit: query.limit ?? 50, cursor: query.cursor ?? null, ...(query.tenant && { tenant: query.tenant }) })
  const data = await Promise.all(
    endpoints.data.map(async (endpoint) => ({ endpoint, stats: await relay.endpoints.stats(endpoint.id, { window: '24h' }) })),
  )
  return { data, nextCursor: endpoints.nextCursor }
})

get('/endpoints/:id', async ({ relay }, { id }) => {
  const endpoint = await relay.endpoints.get(id!)
  const [stats, recent] = await Promise.all([
    relay.endpoints.stats(id!, { window: '24h' }),
    searchMessages(relay, { endpointId: id!, limit: 20 }),
  ])
  return { endpoint, stats, recent: recent.data }
})

get('/messages', async ({ relay }, _p, request) => searchMessages(relay, parseOrThrow(messageSearchQuery, flatQuery(request), 'query')))

get('/messages/:id', async ({ relay }, { id }) => {
  const message = await relay.messages.get(id!)
  const attempts = await relay.attempts.list({ messageId: id!, limit: 1000 })
  const endpointIds = [...new Set(message.deliveries.map((d) => d.endpointId))]
  const endpoints = await Promise.all(endpointIds.map((e) => relay.storage.getEndpoint(e)))
  return {
    message: { id: message.id, type: message.type, tenant: message.tenant, channels: message.channels, idempotencyKey: message.idempotencyKey, createdAt: message.createdAt, payload: message.payload },
    deliveries: message.deliveries.map((delivery) => ({
      delivery,
      endpoint: endpoints.find((e) => e?.id === delivery.endpointId)
        ? { id: delivery.endpointId, url: endpoints.find((e) => e?.id === delivery.endpointId)!.url }
        : null,
      attempts: attempts.data.filter((a) => a.deliveryId === delivery.id).reverse(),
    })),
  }
})

get('/dlq', async ({ relay }, _p, request) => {
  const query = parseOrThrow(messageSearchQuery.omit({ status: true, statusClass: true }), flatQuery(request), 'query')
  return searchMessages(relay, { ...query, status: 'dead' })
})

get('/inbound', async ({ relay }, _p, request) => {
  const query = parseOrThrow(
    page.extend({
      source: z.string().min(1).max(200).optional(),
      type: z.string().min(1).max(200).optional(),
      status: z.enum(['pending', 'processing', 'processed', 'dead', 'discarded']).optional(),
    }),
    flatQuery(request),
    'query',
  )
  return relay.inbound.list({ ...query, limit: query.limit ?? 50 })
})

get('/inbound/:id', async ({ relay }, { id }) => relay.inbound.get(id!))

function match(segments: string[], wanted: string[]): Params | null {
  if (segments.length !== wanted.length) return null
  const params: Params = {}
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i]!.startsWith(':')) params[wanted[i]!.slice(1)] = segments[i]!
    else if (wanted[i] !== segments[i]) return null
  }
  return params
}

/** JSON with no caching: operators' data must never sit in a shared cache. */
export function jsonResponse(status: number, value: unknown): DashboardResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) }
}

const STATUS_BY_CODE: Record<string, number> = { VALIDATION_ERROR: 400, NOT_FOUND: 404, UNSAFE_URL: 400, ENDPOINT_DISABLED: 409, RELAY_STATE: 409 }

/**
 * Answers a GET of the dashboard's own JSON routes (`segments` after `/api`), or `null` when none
 * matches (the caller then hands the request to the admin API's routes).
 */
export async function dashboardRoute(ctx: RouteContext, segments: string[], request: DashboardRequest): Promise<DashboardResponse | null> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null
  for (const route of routes) {
    const params = match(segments, route.segments)
    if (!params) continue
    try {
      return jsonResponse(200, await route.handle(ctx, params, request))
    } catch (error) {
      return errorResponse(error)
    }
  }
  return null
}

function errorResponse(error: unknown): DashboardResponse {
  const answer = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) => {
    const response = adminError(status, code, message, extra)
    return { ...response, headers: { ...response.headers, 'cache-control': 'no-store' } }
  }
  if (error instanceof ValidationError) {
    return answer(400, error.code, error.message, { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) })
  }
  if (error instanceof NotFoundError) return answer(404, 'NOT_FOUND', error.message)
  if (error instanceof HookrelayError) return answer(STATUS_BY_CODE[error.code] ?? 400, error.code, error.message)
  return answer(500, 'INTERNAL', 'The dashboard failed; see the server logs.')
}
