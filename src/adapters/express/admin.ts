import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminError, createAdminHandler, type AdminOptions, type AdminRequest, type AdminResponse } from '../../admin/admin-handlers.js'
import type { Relay } from '../../relay.js'
import { readRawBody } from '../node/read-raw-body.js'

/** Largest admin request body read, in bytes. */
const MAX_ADMIN_BODY = 1_048_576

/**
 * The admin API as Express middleware (Express 4 and 5), mounted under a path of your choice.
 * Works with or without `express.json()` in front. `authorize` is required (see `AdminOptions`).
 *
 * @example
 * app.use('/admin/webhooks', expressAdmin(relay, { authorize: (req) => req.headers['x-admin-key'] === process.env.ADMIN_KEY }))
 */
export function expressAdmin(relay: Relay, options: AdminOptions): ExpressAdminMiddleware {
  const handle = createAdminHandler(relay, options)
  const admin: RequestHandler = function hookrelayExpressAdmin(req, res, next) {
    toAdminRequest(req)
      .then((request) => ('status' in request ? request : handle(request)))
      .then((response) => write(res, response), next)
  }
  // Errors of the app's body parser (malformed JSON, too large) under the admin path, as admin JSON.
  const parserErrors: ErrorHandler = function hookrelayExpressAdminErrors(error, _req, res, next) {
    const type = (error as { type?: unknown } | null)?.type
    if (type === 'entity.parse.failed') return write(res, adminError(400, 'INVALID_JSON', 'The request body is not valid JSON.'))
    if (type === 'entity.too.large') return write(res, adminError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.'))
    next(error)
  }
  return [admin, parserErrors]
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void
type ErrorHandler = (error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

/** What `expressAdmin` returns: the API and an error handler for the app's body parser; `app.use(path, …)` takes both. */
export type ExpressAdminMiddleware = [RequestHandler, ErrorHandler]

async function toAdminRequest(req: IncomingMessage): Promise<AdminRequest | AdminResponse> {
  // Under app.use('/prefix', …) Express strips the prefix from req.url.
  const url = new URL(req.url ?? '/', 'http://admin.invalid')
  const query: AdminRequest['query'] = {}
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key)
    query[key] = values.length === 1 ? values[0] : values
  }
  const parsed = (req as { body?: unknown }).body
  let body: unknown
  if (parsed !== undefined && !(parsed instanceof Uint8Array) && typeof parsed !== 'string') {
    // express.json() (or another parser) already ran. An empty object from a bodiless request is fine.
    body = parsed
  } else {
    const raw =
      parsed instanceof Uint8Array || typeof parsed === 'string'
        ? Buffer.from(parsed)
        : req.readableEnded
          ? Buffer.alloc(0)
          : (await readRawBody(req, MAX_ADMIN_BODY)).body
    if (raw.length > MAX_ADMIN_BODY) return adminError(413, 'PAYLOAD_TOO_LARGE', `Admin request bodies are limited to ${MAX_ADMIN_BODY} bytes.`)
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        return adminError(400, 'INVALID_JSON', 'The request body is not valid JSON.')
      }
    }
  }
  return { method: req.method ?? 'GET', path: url.pathname, query, body, headers: req.headers }
}

function write(res: ServerResponse, response: AdminResponse): void {
  res.statusCode = response.status
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  res.end(response.body)
}
