import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminBodyTooLarge, invalidJson } from '../../admin/admin-body.js'
import { createAdminHandler, type AdminOptions } from '../../admin/admin-handlers.js'
import type { Relay } from '../../relay.js'
import { nodeAdminRequest, writeAdminResponse } from '../node/admin-request.js'

/**
 * The admin API as Express middleware (Express 4 and 5), mounted under a path of your choice.
 * Works with or without `express.json()` in front. `authorize` is required (see `AdminOptions`)
 * and runs before the body is read: a request it refuses gets 401/403 whatever its body.
 *
 * @example
 * app.use('/admin/webhooks', expressAdmin(relay, { authorize: (req) => req.headers['x-admin-key'] === process.env.ADMIN_KEY }))
 */
export function expressAdmin(relay: Relay, options: AdminOptions): ExpressAdminMiddleware {
  const handle = createAdminHandler(relay, options)
  const admin: RequestHandler = function hookrelayExpressAdmin(req, res, next) {
    // Under app.use('/prefix', …) Express strips the prefix from req.url.
    const { request, leftUnread } = nodeAdminRequest(req, parsedBody(req))
    handle(request).then((response) => writeAdminResponse(res, response, leftUnread()), next)
  }
  // The app's body parser (an express.json() in front) failed: malformed JSON, too large. Still
  // authorise first, so that a caller without credentials learns nothing about the body.
  const parserErrors: ErrorHandler = function hookrelayExpressAdminErrors(error, req, res, next) {
    const type = (error as { type?: unknown } | null)?.type
    if (type !== 'entity.parse.failed' && type !== 'entity.too.large') return next(error)
    const failure = type === 'entity.too.large' ? adminBodyTooLarge() : invalidJson(error)
    const { request } = nodeAdminRequest(req, () => Promise.reject(failure))
    handle(request).then((response) => writeAdminResponse(res, response, false), next)
  }
  return [admin, parserErrors]
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void
type ErrorHandler = (error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

/** What `expressAdmin` returns: the API and an error handler for the app's body parser; `app.use(path, …)` takes both. */
export type ExpressAdminMiddleware = [RequestHandler, ErrorHandler]

/** What a body parser in front left as `req.body`, if it parsed JSON (not raw bytes or text). */
function parsedBody(req: IncomingMessage): (() => Promise<unknown>) | undefined {
  const parsed = (req as { body?: unknown }).body
  if (parsed === undefined || parsed instanceof Uint8Array || typeof parsed === 'string') return undefined
  // express.json() (or another parser) already ran. An empty object from a bodiless request is fine.
  return () => Promise.resolve(parsed)
}
