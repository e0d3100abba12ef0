import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminBodyTooLarge, invalidJson } from '../../admin/admin-body.js'
import type { Relay } from '../../relay.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import type { DashboardOptions } from '../dashboard-options.js'
import { toDashboardRequest, writeDashboardResponse } from './node-io.js'

type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void
type ErrorHandler = (error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

/**
 * What `expressDashboard` returns: the dashboard, and an error handler for the app's body parser
 * (so a request it failed on is still authorised first); `app.use(path, …)` takes both.
 * Structurally typed so Express stays an optional peer.
 */
export type ExpressDashboardMiddleware = [RequestHandler, ErrorHandler]

/**
 * The dashboard as Express middleware (Express 4 and 5), mounted under a path of your choice.
 * Works with or without `express.json()` in front. `authorize` is required (see `DashboardOptions`).
 *
 * @example
 * app.use('/webhooks-admin', expressDashboard(relay, { authorize: (req) => isAdmin(req) }))
 */
export function expressDashboard(relay: Relay, options: DashboardOptions): ExpressDashboardMiddleware {
  const handle = createDashboardHandler(relay, options)
  const where = (req: IncomingMessage) => {
    // Under app.use('/prefix', …) Express strips the prefix from req.url and keeps it in baseUrl.
    const { baseUrl = '', originalUrl } = req as IncomingMessage & { baseUrl?: string; originalUrl?: string }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid')
    const original = new URL(originalUrl ?? req.url ?? '/', 'http://dashboard.invalid')
    const path = original.pathname === baseUrl && baseUrl !== '' ? '' : url.pathname
    return { path, basePath: baseUrl, search: url.search }
  }
  const dashboard: RequestHandler = function hookrelayExpressDashboard(req, res, next) {
    const { request, leftUnread } = toDashboardRequest(req, { ...where(req), parsedBody: (req as { body?: unknown }).body })
    handle(request).then((response) => writeDashboardResponse(req, res, response, leftUnread()), next)
  }
  // The app's body parser (an express.json() in front) failed: malformed JSON, too large. Still
  // authorise first, so that a caller without credentials learns nothing about the body.
  const parserErrors: ErrorHandler = function hookrelayExpressDashboardErrors(error, req, res, next) {
    const type = (error as { type?: unknown } | null)?.type
    if (type !== 'entity.parse.failed' && type !== 'entity.too.large') return next(error)
    const failure = type === 'entity.too.large' ? adminBodyTooLarge() : invalidJson(error)
    const { request } = toDashboardRequest(req, where(req))
    request.readBody = () => Promise.reject(failure)
    handle(request).then((response) => writeDashboardResponse(req, res, response), next)
  }
  return [dashboard, parserErrors]
}
