import type { z } from 'zod'
import { HookrelayError, NotFoundError, ValidationError } from '../core/errors.js'
import { parseOrThrow } from '../core/validation.js'
import type { EndpointInput, EndpointUpdate } from '../outbound/endpoint-input.js'
import type { Relay } from '../relay.js'
import * as schemas from './admin-schemas.js'

/** A request to the admin API, as any framework can describe it. `path` is relative to where it is mounted. */
export interface AdminRequest {
  method: string
  /** E.g. `/endpoints/ep_123/stats`, without the mount prefix and without the query string. */
  path: string
  query: Record<string, string | string[] | undefined>
  /**
   * The parsed JSON body (`undefined` when there is none), for a caller that already has it.
   * Prefer `readBody`: a body given here was read before anyone checked who sent it.
   */
  body?: unknown
  /**
   * Reads and parses the JSON body. The handler calls it only once `authorize` granted the
   * request and a route that takes a body matched, so nothing of a refused request is read or
   * parsed. It throws a `HookrelayError` with code `INVALID_JSON` (answered 400) or
   * `PAYLOAD_TOO_LARGE` (413). `authorize` never sees it.
   * @example readBody: async () => JSON.parse(await request.text())
   */
  readBody?: () => Promise<unknown>
  headers: Record<string, string | string[] | undefined>
}

/** The answer: JSON (`body` is the serialised text), or nothing for 204. */
export interface AdminResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** A refusal `authorize` can return instead of `false` (which means 401). */
export interface AdminDenial {
  status: 401 | 403
  message?: string
}

/**
 * Decides whether a request may use the admin API: only `true` lets it through; `{ status: 403 }`
 * answers 403, and anything else (`false`, `null`, `undefined`, `{ status: 401 }`) answers 401.
 * If it throws (or rejects), the request is answered 500 and the error is emitted on the relay's
 * `error` event (context `admin.authorize`): never a grant. It runs before the body is read, so it
 * sees the method, path, query and headers, not the body. Check a session, an API key, a signed
 * token — whatever the app uses.
 */
export type AdminAuthorize = (
  request: AdminRequest,
) => boolean | AdminDenial | null | undefined | Promise<boolean | AdminDenial | null | undefined>

/** Options of the admin API (`createAdminHandler`, `expressAdmin`, `fastifyAdmin`). */
export interface AdminOptions {
  /**
   * Required. Who may use the admin API. Mounting without it is an error; pass `'none'` to mount it
   * without any check on purpose (e.g. behind a gateway that already authenticates).
   * @example authorize: (req) => req.headers.authorization === `Bearer ${process.env.ADMIN_TOKEN}`
   */
  authorize: AdminAuthorize | 'none'
}

/** The framework-neutral admin API: `(request) => Promise<response>`. */
export type AdminHandler = (request: AdminRequest) => Promise<AdminResponse>

type Params = Record<string, string>
type RouteHandler = (relay: Relay, params: Params, request: AdminRequest) => Promise<{ status?: number; body?: unknown }>

interface Route {
  method: string
  pattern: string
  segments: string[]
  handle: RouteHandler
}

const routes: Route[] = []
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

route('GET', '/endpoints', async (relay, _p, req) => ({ body: await relay.endpoints.list(query(schemas.endpointListQuery, req)) }))
route('POST', '/endpoints', async (relay, _p, req) => ({
  status: 201,
  body: await relay.endpoints.create(objectBody(req) as unknown as EndpointInput),
}))
route('GET', '/endpoints/:id', async (relay, p) => ({ body: await relay.endpoints.get(p.id!) }))
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

// ---- the handler --------------------------------------------------------------------------------

const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSAFE_URL: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ENDPOINT_DISABLED: 409,
  DELIVERY_IN_PROGRESS: 409,
  RELAY_STATE: 409,
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): AdminResponse {
  if (status === 204) return { status, headers, body: '' }
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) }
}

/** An error answer: `{ error: { code, message, issues? } }`. */
export function adminError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): AdminResponse {
  return json(status, { error: { code, message, ...extra } })
}

function match(route: Route, segments: string[]): Params | null {
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

function segmentsOf(path: string): string[] | null {
  try {
    return path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent)
  } catch {
    return null
  }
}

/**
 * Creates the framework-neutral admin API of `relay`. Adapters (`expressAdmin`, `fastifyAdmin`)
 * mount it; anything else can call it with `{ method, path, query, body, headers }`.
 * Errors are JSON `{ error: { code, message } }` with the status of their code; lists paginate
 * with `limit` and `cursor` and answer `{ data, nextCursor }`.
 */
export function createAdminHandler(relay: Relay, options: AdminOptions): AdminHandler {
  const authorize = options?.authorize
  if (authorize !== 'none' && typeof authorize !== 'function') {
    throw new ValidationError(
      'The admin API needs an `authorize` function, e.g. expressAdmin(relay, { authorize: (req) => req.headers.authorization === `Bearer ${token}` }). ' +
        "It can replay, discard and delete webhooks and reveal endpoint secrets; pass authorize: 'none' only if something in front of it already authenticates.",
      [{ path: ['authorize'], message: "required: a function, or 'none'" }],
    )
  }

  const report = (error: unknown, context: string) => {
    try {
      relay.emit('error', { error: error instanceof Error ? error : new Error(String(error)), context })
    } catch {
      // A throwing error listener must not turn a 500 into something else.
    }
  }

  return async function adminHandler(incoming: AdminRequest): Promise<AdminResponse> {
    // Authorise first, on what the request line and headers say: the body is not read yet.
    if (authorize !== 'none') {
      const { readBody: _readBody, ...withoutReader } = incoming
      let verdict: unknown
      try {
        verdict = await authorize(withoutReader)
      } catch (error) {
        report(error, 'admin.authorize')
        return adminError(500, 'INTERNAL', 'The admin API could not authorise this request; see the server logs.')
      }
      const refused = refusal(verdict)
      if (refused) return refused
    }
    try {
      let request = incoming
      const segments = segmentsOf(request.path)
      if (!segments) return adminError(400, 'VALIDATION_ERROR', 'The path is not valid percent-encoding.')
      const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase()
      const matching = routes.map((r) => ({ route: r, params: match(r, segments) })).filter((m) => m.params !== null)
      // A literal segment beats a parameter: `/dlq/replay` is the bulk route, not `/dlq/:id`.
      const found = matching.find((m) => m.route.method === method)
      if (!found) {
        if (matching.length === 0) return adminError(404, 'ROUTE_NOT_FOUND', `No admin route ${request.method} ${request.path}.`)
        const allow = [...new Set(matching.map((m) => m.route.method))].join(', ')
        return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed here; use ${allow}.` } }, { allow })
      }
      if (method !== 'GET' && incoming.readBody) request = { ...incoming, body: await incoming.readBody() }
      const result = await found.route.handle(relay, found.params!, request)
      return json(result.status ?? 200, result.body)
    } catch (error) {
      const response = errorResponse(error)
      if (response.status === 500) report(error, 'admin')
      return response
    }
  }
}

/** `null` for a grant (`true` only); otherwise the 401 or 403 answer. Shared with the dashboard. */
export function refusal(verdict: unknown): AdminResponse | null {
  if (verdict === true) return null
  const denial = typeof verdict === 'object' && verdict !== null ? (verdict as Partial<AdminDenial>) : {}
  const message = typeof denial.message === 'string' ? denial.message : undefined
  return denial.status === 403
    ? adminError(403, 'FORBIDDEN', message ?? 'This request is not allowed.')
    : adminError(401, 'UNAUTHORIZED', message ?? 'Authentication is required.')
}

function errorResponse(error: unknown): AdminResponse {
  if (error instanceof ValidationError) {
    return adminError(400, error.code === 'VALIDATION_ERROR' ? 'VALIDATION_ERROR' : error.code, error.message, {
      issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    })
  }
  if (error instanceof NotFoundError) return adminError(404, 'NOT_FOUND', error.message)
  if (error instanceof HookrelayError) return adminError(STATUS_BY_CODE[error.code] ?? 400, error.code, error.message)
  return adminError(500, 'INTERNAL', 'The admin API failed; see the server logs.')
}
