import { HookrelayError } from '../core/errors.js'
import { adminError } from '../admin/admin-handlers.js'
import type { DashboardRequest, DashboardResponse } from './dashboard-http.js'

/** The request as `authorize` sees it: no body, and no way to read one. */
export function withoutBody(request: DashboardRequest): DashboardRequest {
  const { readBody: _readBody, body: _body, ...rest } = request
  return rest
}

/**
 * Reads and parses the body of a change, once the request was let in (operator `authorize` and
 * CSRF, or a portal session and CSRF): nothing of a refused request is read. A GET has no body.
 * An unreadable body is the answer (400 `INVALID_JSON`, 413 `PAYLOAD_TOO_LARGE`).
 */
export async function readDashboardBody(request: DashboardRequest): Promise<DashboardRequest | DashboardResponse> {
  const { readBody, ...rest } = request
  const method = request.method.toUpperCase()
  if (method === 'GET' || method === 'HEAD' || !readBody || rest.body !== undefined) return rest
  try {
    return { ...rest, body: await readBody() }
  } catch (error) {
    if (error instanceof HookrelayError && error.code === 'PAYLOAD_TOO_LARGE') return adminError(413, error.code, error.message)
    if (error instanceof HookrelayError && error.code === 'INVALID_JSON') return adminError(400, error.code, error.message)
    throw error
  }
}

/** True when `value` is an answer rather than a request (the body could not be read). */
export function isAnswer(value: DashboardRequest | DashboardResponse): value is DashboardResponse {
  return 'status' in value
}
