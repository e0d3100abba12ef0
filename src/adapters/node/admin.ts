import type { IncomingMessage, ServerResponse } from 'node:http'
import { createAdminHandler, type AdminOptions } from '../../admin/admin-handlers.js'
import type { Relay } from '../../relay.js'
import { nodeAdminRequest, writeAdminResponse } from './admin-request.js'

/** Options of `nodeAdmin` and `fetchAdmin`: the admin options, and where the API is mounted. */
export interface MountedAdminOptions extends AdminOptions {
  /**
   * The path prefix the API is served under, removed from the request path before routing.
   * @default '' (the API answers at the root: `/endpoints`, `/dlq`, …)
   * @example basePath: '/admin/webhooks'
   */
  basePath?: string
}

/**
 * The admin API as a `(req, res)` handler for `http.createServer` and anything Node-shaped.
 * `authorize` is required (see `AdminOptions`) and runs before the body is read.
 *
 * @example
 * const admin = nodeAdmin(relay, { authorize, basePath: '/admin' })
 * http.createServer((req, res) => (req.url?.startsWith('/admin/') ? admin(req, res) : app(req, res)))
 */
export function nodeAdmin(relay: Relay, options: MountedAdminOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const handle = createAdminHandler(relay, options)
  const basePath = (options.basePath ?? '').replace(/\/+$/, '')
  return async function hookrelayNodeAdmin(req, res) {
    const { request, leftUnread } = nodeAdminRequest(req, undefined, basePath)
    writeAdminResponse(res, await handle(request), leftUnread())
  }
}
