import { toError } from '../core/emitter.js'
import { adminError, createAdminHandler, refusal as authorizeRefusal } from '../admin/admin-handlers.js'
import type { Relay } from '../relay.js'
import { loadAssets, pageHtml, securityHeaders } from './assets.js'
import { csrfRefusal, issueCsrfToken } from './csrf.js'
import type { DashboardHandler, DashboardRequest, DashboardResponse, DashboardStream } from './dashboard-http.js'
import { resolveDashboardOptions, type DashboardOptions } from './dashboard-options.js'
import { dashboardRoutes } from './dashboard-routes.js'
import { jsonResponse } from './json-router.js'
import { LiveFeed, type LiveFrame } from './live-feed.js'
import { liveChannelOf, originOf } from './fleet/live-channel.js'
import { handlePortal } from './portal-handler.js'
import { isAnswer, readDashboardBody, withoutBody } from './dashboard-body.js'

/** SSE comment sent when nothing else was, so proxies keep the connection open. */
const KEEPALIVE_MS = 15_000

function segmentsOf(path: string): string[] | null {
  try {
    return path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent)
  } catch {
    return null
  }
}

/** The live feed as Server-Sent Events: a `frame` event per interval. */
function liveStream(feed: LiveFeed): DashboardStream {
  return {
    open(write) {
      write('retry: 3000\n: hookrelay live feed\n\n')
      let lastWrite = Date.now()
      const unsubscribe = feed.subscribe((frame: LiveFrame) => {
        const idle = frame.events.length === 0 && Object.values(frame.counts).every((n) => n === 0)
        if (!idle) {
          write(`event: frame\ndata: ${JSON.stringify(frame)}\n\n`)
          lastWrite = frame.at
        } else if (frame.at - lastWrite >= KEEPALIVE_MS) {
          write(': keepalive\n\n')
          lastWrite = frame.at
        }
      })
      return unsubscribe
    },
  }
}

/** A prebuilt asset, gzipped when the client takes it, with an ETag. */
function assetResponse(request: DashboardRequest, name: string): DashboardResponse {
  const asset = loadAssets().get(name)
  if (!asset) return adminError(404, 'ROUTE_NOT_FOUND', 'No such dashboard asset.')
  const headers: Record<string, string> = { 'content-type': asset.contentType, etag: asset.etag, 'cache-control': 'public, max-age=3600', vary: 'accept-encoding' }
  if (request.headers['if-none-match'] === asset.etag) return { status: 304, headers, body: '' }
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
  return gzip ? { status: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: asset.gzip } : { status: 200, headers, body: asset.body }
}

/**
 * Creates the framework-neutral dashboard of `relay`: the prebuilt UI, its JSON routes under
 * `/api/…` (the dashboard's own reads, and the admin API's routes for every change), and the live
 * feed at `/api/events`. Adapters (`expressDashboard`, `fastifyDashboard`, `nodeDashboard`,
 * `fetchDashboard`) mount it. Every request goes through `authorize`; every change must also pass
 * the CSRF checks (see `csrf.ts`); every answer carries a strict Content-Security-Policy.
 */
export function createDashboardHandler(relay: Relay, options: DashboardOptions): DashboardHandler {
  const resolved = resolveDashboardOptions(options)
  const { authorize } = resolved
  // Fleet-wide where the relay's database has a live channel (Postgres): workers elsewhere publish.
  const channel = liveChannelOf(relay)
  const feed = new LiveFeed(relay, {
    intervalMs: resolved.liveIntervalMs,
    maxEvents: resolved.liveEventsPerFrame,
    remote: channel ? { channel, origin: originOf(relay) } : undefined,
  })
  const admin = createAdminHandler(relay, { authorize: 'none' })
  const logo = resolved.portal.logoUrl ? [new URL(resolved.portal.logoUrl).origin] : []
  const security = securityHeaders(resolved.frameAncestors, logo)
  const ctx = { relay, feed, title: resolved.title }

  async function route(request: DashboardRequest): Promise<DashboardResponse> {
    if (request.path === '') return { status: 302, headers: { location: `${request.basePath}/` }, body: '' }
    const segments = segmentsOf(request.path)
    if (!segments) return adminError(400, 'VALIDATION_ERROR', 'The path is not valid percent-encoding.')
    const method = request.method.toUpperCase()

    if (segments.length === 0) {
      if (method !== 'GET' && method !== 'HEAD') return adminError(405, 'METHOD_NOT_ALLOWED', 'Use GET.')
      const assets = loadAssets()
      const { token, setCookie } = issueCsrfToken(request)
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...(setCookie && { 'set-cookie': setCookie }) },
        body: pageHtml({ title: resolved.title, csrfToken: token, version: assets.get('app.js')?.etag.slice(1, 9) ?? '0' }),
      }
    }

    if (segments[0] === 'assets' && segments.length === 2) return assetResponse(request, segments[1]!)

    if (segments[0] !== 'api') return adminError(404, 'ROUTE_NOT_FOUND', `No dashboard route ${request.method} ${request.path}.`)
    const rest = segments.slice(1)
    if (rest.length === 1 && rest[0] === 'events' && method === 'GET') {
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
        body: liveStream(feed),
      }
    }
    const own = await dashboardRoutes.handle(ctx, rest, request)
    if (own) return own
    // Everything else (changes, secret reveal, raw lists) is the admin API under /api.
    const response = await admin({ ...request, path: '/' + rest.map(encodeURIComponent).join('/') })
    return { ...response, headers: { ...response.headers, 'cache-control': 'no-store' } }
  }

  return async function dashboardHandler(request: DashboardRequest): Promise<DashboardResponse> {
    let response: DashboardResponse
    try {
      response = await guarded(request)
    } catch (error) {
      // Reported where the app already listens for the relay's trouble (its logger, its `error` listener).
      relay.emit('error', { error: toError(error), context: 'dashboard' })
      response = jsonResponse(500, { error: { code: 'INTERNAL', message: 'The dashboard failed; see the server logs.' } })
    }
    return { ...response, headers: { ...security, ...response.headers } }
  }

  async function guarded(request: DashboardRequest): Promise<DashboardResponse> {
    const segments = segmentsOf(request.path)
    if (segments?.[0] === 'portal') {
      // Customers are not operators: the portal authenticates by its own sessions, not `authorize`.
      if (segments.length === 1 && !request.path.endsWith('/')) return { status: 302, headers: { location: `${request.basePath}/portal/` }, body: '' }
      return handlePortal(relay, resolved, segments.slice(1), request, (name) => assetResponse(request, name))
    }
    if (authorize !== 'none') {
      let verdict: unknown
      try {
        // Before the body is read: a refused request's body is never read nor parsed.
        verdict = await authorize(withoutBody(request))
      } catch (error) {
        // A throwing authorize is never a grant: 500, and the error goes where errors go.
        relay.emit('error', { error: toError(error), context: 'dashboard.authorize' })
        return adminError(500, 'INTERNAL', 'The dashboard could not authorise this request; see the server logs.')
      }
      const refused = authorizeRefusal(verdict)
      if (refused) return refused
    }
    const refusal = csrfRefusal(request)
    if (refusal) return adminError(403, 'CSRF', refusal)
    const read = await readDashboardBody(request)
    return isAnswer(read) ? read : route(read)
  }
}
