import type { Relay } from '../../relay.js'
import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import { isStream, type DashboardRequest, type DashboardResponse } from '../dashboard-http.js'
import { resolveDashboardOptions, type RoutedDashboardOptions } from '../dashboard-options.js'
import { readFetchBody } from '../../adapters/fetch/read-body.js'

/** Chunks an SSE viewer may have unread before frames are skipped. */
const STREAM_HIGH_WATER = 64

/**
 * A `(Request) => Promise<Response>` handler serving the dashboard under `basePath`, for Fetch
 * runtimes (Next.js route handlers, Hono, Bun). A request outside `basePath` answers 404.
 *
 * @example
 * // app/webhooks-admin/[[...path]]/route.ts (Next.js)
 * const dashboard = fetchDashboard(relay, { authorize, basePath: '/webhooks-admin' })
 * export { dashboard as GET, dashboard as POST, dashboard as PATCH, dashboard as DELETE }
 */
export function fetchDashboard(relay: Relay, options: RoutedDashboardOptions): (request: Request) => Promise<Response> {
  const { basePath } = resolveDashboardOptions(options)
  const handle = createDashboardHandler(relay, options)
  return async function hookrelayFetchDashboard(request) {
    const url = new URL(request.url)
    const inside = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
    if (!inside) return new Response('Not found', { status: 404 })
    const path = basePath !== '' && url.pathname === basePath ? '' : url.pathname.slice(basePath.length)
    const response = await handle(toRequest(request, url, path, basePath))
    // A refused request's body was never read: read and discard it (up to a bound) so that a client
    // still sending reads the answer rather than a reset.
    if (request.body !== null && !request.bodyUsed) await readFetchBody(request, 0).catch(() => undefined)
    return toResponse(response, request.signal)
  }
}

/** A Fetch request as a dashboard request; its body is read only when the dashboard asks (once it let the request in). */
function toRequest(request: Request, url: URL, path: string, basePath: string): DashboardRequest {
  const query: DashboardRequest['query'] = {}
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key)
    query[key] = values.length === 1 ? values[0] : values
  }
  const headers: DashboardRequest['headers'] = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const dashboardRequest: DashboardRequest = { method: request.method, path, basePath, query, headers }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    dashboardRequest.readBody = async () => {
      if (request.bodyUsed) return undefined
      const { body, complete } = await readFetchBody(request, MAX_ADMIN_BODY_BYTES)
      if (!complete) throw adminBodyTooLarge()
      return parseAdminBody(body)
    }
  }
  return dashboardRequest
}

function toResponse(response: DashboardResponse, signal: AbortSignal): Response {
  const body = response.body
  if (!isStream(body)) {
    const bytes = typeof body === 'string' ? body : new Uint8Array(body)
    return new Response(response.status === 204 || response.status === 304 || bytes === '' ? null : bytes, { status: response.status, headers: response.headers })
  }
  const encoder = new TextEncoder()
  let close: (() => void) | null = null
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        close = body.open((chunk) => {
          if ((controller.desiredSize ?? 0) <= 0) return false
          controller.enqueue(encoder.encode(chunk))
          return true
        })
        signal.addEventListener('abort', () => {
          close?.()
          try {
            controller.close()
          } catch {
            // Already closed by the reader.
          }
        })
      },
      cancel() {
        close?.()
      },
    },
    new CountQueuingStrategy({ highWaterMark: STREAM_HIGH_WATER }),
  )
  return new Response(stream, { status: response.status, headers: response.headers })
}
