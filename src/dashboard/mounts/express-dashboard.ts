import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Relay } from '../../relay.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import type { DashboardOptions } from '../dashboard-options.js'
import { toDashboardRequest, writeDashboardResponse } from './node-io.js'

/** Express middleware `(req, res, next)`, structurally typed so Express stays an optional peer. */
export type ExpressDashboardMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

/**
 * The dashboard as Express middleware (Express 4 and 5), mounted under a path of your choice.
 * Works with or without `express.json()` in front. `authorize` is required (see `DashboardOptions`).
 *
 * @example
 * app.use('/webhooks-admin', expressDashboard(relay, { authorize: (req) => isAdmin(req) }))
 */
export function expressDashboard(relay: Relay, options: DashboardOptions): ExpressDashboardMiddleware {
  const handle = createDashboardHandler(relay, options)
  return function hookrelayExpressDashboard(req, res, next) {
    // Under app.use('/prefix', …) Express strips the prefix from req.url and keeps it in baseUrl.
    const { baseUrl = '', originalUrl } = req as IncomingMessage & { baseUrl?: string; originalUrl?: string }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid')
    const original = new URL(originalUrl ?? req.url ?? '/', 'http://dashboard.invalid')
    const path = original.pathname === baseUrl && baseUrl !== '' ? '' : url.pathname
    toDashboardRequest(req, { path, basePath: baseUrl, search: url.search, parsedBody: (req as { body?: unknown }).body })
      .then((request) => ('path' in request ? handle(request) : request))
      .then((response) => writeDashboardResponse(req, res, response), next)
  }
}
