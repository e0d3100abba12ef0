import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import { createAdminHandler, type AdminRequest } from '../../admin/admin-handlers.js'
import type { Relay } from '../../relay.js'
import type { MountedAdminOptions } from '../node/admin.js'
import { readFetchBody } from './read-body.js'

/**
 * The admin API as a `(Request) => Promise<Response>` handler (Next.js route handlers, Hono, Bun).
 * `authorize` is required (see `AdminOptions`) and runs before the body is read.
 *
 * @example
 * // app/admin/webhooks/[...path]/route.ts (Next.js)
 * const admin = fetchAdmin(relay, { authorize, basePath: '/admin/webhooks' })
 * export { admin as GET, admin as POST, admin as PATCH, admin as DELETE }
 */
export function fetchAdmin(relay: Relay, options: MountedAdminOptions): (request: Request) => Promise<Response> {
  const handle = createAdminHandler(relay, options)
  const basePath = (options.basePath ?? '').replace(/\/+$/, '')
  return async function hookrelayFetchAdmin(request) {
    const url = new URL(request.url)
    const query: AdminRequest['query'] = {}
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key)
      query[key] = values.length === 1 ? values[0] : values
    }
    const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname
    const response = await handle({
      method: request.method,
      path,
      query,
      headers: Object.fromEntries(request.headers),
      async readBody() {
        const { body, complete } = await readFetchBody(request, MAX_ADMIN_BODY_BYTES)
        if (!complete) throw adminBodyTooLarge()
        return parseAdminBody(body)
      },
    })
    // A refused request's body was never read: read and discard it (up to a bound) so that a client
    // still sending reads the answer rather than a reset.
    if (request.body !== null && !request.bodyUsed) await readFetchBody(request, 0).catch(() => undefined)
    return new Response(response.body === '' ? null : response.body, { status: response.status, headers: response.headers })
  }
}
