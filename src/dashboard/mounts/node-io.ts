import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import { readRawBody } from '../../adapters/node/read-raw-body.js'
import { isStream, type DashboardRequest, type DashboardResponse } from '../dashboard-http.js'

/**
 * A Node request as a dashboard request. `path` is the part after the mount; `parsedBody` is what a
 * framework's JSON body parser left (used as is). Otherwise the body is read and parsed by
 * `readBody`, which the dashboard calls only once the request was let in (authorised, CSRF
 * checked): a refused request's body is never read. `leftUnread()` says whether the answer must
 * close the connection (bytes of a huge body are still on the wire).
 */
export function toDashboardRequest(
  req: IncomingMessage,
  where: { path: string; basePath: string; search: string; parsedBody?: unknown },
): { request: DashboardRequest; leftUnread: () => boolean } {
  const params = new URLSearchParams(where.search)
  const query: DashboardRequest['query'] = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    query[key] = values.length === 1 ? values[0] : values
  }
  const parsed = where.parsedBody
  const method = (req.method ?? 'GET').toUpperCase()
  let unread = false
  const readBody = async (): Promise<unknown> => {
    if (parsed !== undefined && !(parsed instanceof Uint8Array) && typeof parsed !== 'string') return parsed
    // express.raw()/express.text() in front leave bytes or text; otherwise read the stream.
    if (parsed instanceof Uint8Array || typeof parsed === 'string') {
      if (Buffer.byteLength(parsed) > MAX_ADMIN_BODY_BYTES) throw adminBodyTooLarge()
      return parseAdminBody(parsed)
    }
    if (req.readableEnded) return undefined
    const raw = await readRawBody(req, MAX_ADMIN_BODY_BYTES)
    unread = raw.leftUnread
    if (!raw.complete) throw adminBodyTooLarge()
    return parseAdminBody(raw.body)
  }
  const request: DashboardRequest = { method, path: where.path, basePath: where.basePath, query, headers: req.headers }
  if (method !== 'GET' && method !== 'HEAD') request.readBody = readBody
  return { request, leftUnread: () => unread }
}

/** Writes a dashboard answer (`close`: the request body was left unread); a stream stays open until the client goes away. */
export function writeDashboardResponse(req: IncomingMessage, res: ServerResponse, response: DashboardResponse, close = false): void {
  if (res.headersSent || res.destroyed) return
  // Bytes of a refused or oversized body are still on the wire: this connection cannot be reused.
  if (close) res.setHeader('connection', 'close')
  if (isStream(response.body)) {
    res.writeHead(response.status, response.headers)
    res.flushHeaders()
    const close = response.body.open((chunk) => {
      // A viewer that reads slower than frames come skips frames instead of buffering them.
      if (res.writableNeedDrain || res.destroyed) return false
      res.write(chunk)
      return true
    })
    const stop = () => close()
    req.once('close', stop)
    res.once('close', stop)
    return
  }
  res.writeHead(response.status, response.headers)
  res.end(response.body)
}
