import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import type { AdminRequest, AdminResponse } from '../../admin/admin-handlers.js'
import { readRawBody } from './read-raw-body.js'

/**
 * An admin request from Node's `IncomingMessage`, with a `readBody` that reads the body only when
 * the admin handler asks (after `authorize`). `readBody` may be given instead: the body a
 * framework already parsed. `leftUnread()` says whether the answer must close the connection.
 */
export function nodeAdminRequest(
  req: IncomingMessage,
  readBody?: () => Promise<unknown>,
  basePath = '',
): { request: AdminRequest; leftUnread: () => boolean } {
  const url = new URL(req.url ?? '/', 'http://admin.invalid')
  const query: AdminRequest['query'] = {}
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key)
    query[key] = values.length === 1 ? values[0] : values
  }
  let unread = false
  const readOwnBody = async (): Promise<unknown> => {
    // express.raw()/express.text() in front leave bytes or text; otherwise read the stream.
    const kept = (req as { body?: unknown }).body
    if (kept instanceof Uint8Array || typeof kept === 'string') {
      if (Buffer.byteLength(kept) > MAX_ADMIN_BODY_BYTES) throw adminBodyTooLarge()
      return parseAdminBody(kept)
    }
    if (req.readableEnded) return undefined
    const raw = await readRawBody(req, MAX_ADMIN_BODY_BYTES)
    unread = raw.leftUnread
    if (!raw.complete) throw adminBodyTooLarge()
    return parseAdminBody(raw.body)
  }
  const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname
  return {
    request: { method: req.method ?? 'GET', path, query, headers: req.headers, readBody: readBody ?? readOwnBody },
    leftUnread: () => unread,
  }
}

/** Writes an admin answer; `close` when the request body was left on the wire. */
export function writeAdminResponse(res: ServerResponse, response: AdminResponse, close: boolean): void {
  if (res.headersSent || res.destroyed) return
  res.statusCode = response.status
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  if (close) res.setHeader('connection', 'close')
  res.end(response.body)
}
