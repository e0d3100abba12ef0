import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminError } from '../../admin/admin-handlers.js'
import { readRawBody } from '../../adapters/node/read-raw-body.js'
import { isStream, type DashboardRequest, type DashboardResponse } from '../dashboard-http.js'

/** Largest request body the dashboard reads, in bytes (its changes are small JSON objects). */
const MAX_BODY = 1_048_576

/**
 * A Node request as a dashboard request. `path` is the part after the mount; `parsedBody` is what a
 * framework's body parser left (used as is), else the body is read and parsed as JSON here.
 */
export async function toDashboardRequest(
  req: IncomingMessage,
  where: { path: string; basePath: string; search: string; parsedBody?: unknown },
): Promise<DashboardRequest | DashboardResponse> {
  const params = new URLSearchParams(where.search)
  const query: DashboardRequest['query'] = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    query[key] = values.length === 1 ? values[0] : values
  }
  let body: unknown = undefined
  const parsed = where.parsedBody
  const method = (req.method ?? 'GET').toUpperCase()
  if (parsed !== undefined && !(parsed instanceof Uint8Array) && typeof parsed !== 'string') {
    body = parsed
  } else if (method !== 'GET' && method !== 'HEAD') {
    const raw =
      parsed instanceof Uint8Array || typeof parsed === 'string'
        ? Buffer.from(parsed)
        : req.readableEnded
          ? Buffer.alloc(0)
          : await readRawBody(req, MAX_BODY).then(
              (r) => r.body,
              () => Buffer.alloc(0),
            )
    if (raw.length > MAX_BODY) return adminError(413, 'PAYLOAD_TOO_LARGE', `Dashboard request bodies are limited to ${MAX_BODY} bytes.`)
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        return adminError(400, 'INVALID_JSON', 'The request body is not valid JSON.')
      }
    }
  }
  return { method, path: where.path, basePath: where.basePath, query, body, headers: req.headers }
}

/** Writes a dashboard answer; a stream stays open until the client goes away. */
export function writeDashboardResponse(req: IncomingMessage, res: ServerResponse, response: DashboardResponse): void {
  if (res.headersSent || res.destroyed) return
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
