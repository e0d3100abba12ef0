import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Relay } from '../../relay.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import { resolveDashboardOptions, type RoutedDashboardOptions } from '../dashboard-options.js'
import { toDashboardRequest, writeDashboardResponse } from './node-io.js'

/**
 * A `(req, res, next?)` handler for `http.createServer`, Connect and anything Node-shaped, serving
 * the dashboard under `basePath`. A request outside `basePath` goes to `next` when given, else 404.
 *
 * @example
 * const dashboard = nodeDashboard(relay, { authorize, basePath: '/webhooks-admin' })
 * http.createServer((req, res) => dashboard(req, res, () => app(req, res))).listen(3000)
 */
export function nodeDashboard(
  relay: Relay,
  options: RoutedDashboardOptions,
): (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<void> {
  const { basePath } = resolveDashboardOptions(options)
  const handle = createDashboardHandler(relay, options)
  return async function hookrelayNodeDashboard(req, res, next) {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid')
    const inside = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
    if (!inside) {
      if (next) return next()
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found')
      return
    }
    const path = basePath !== '' && url.pathname === basePath ? '' : url.pathname.slice(basePath.length)
    const { request, leftUnread } = toDashboardRequest(req, { path, basePath, search: url.search })
    const response = await handle(request)
    writeDashboardResponse(req, res, response, leftUnread())
  }
}
