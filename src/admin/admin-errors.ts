import { HookrelayError, NotFoundError, ValidationError, statusOfCode } from '../core/errors.js'
import type { AdminDenial, AdminResponse } from './admin-types.js'

export function json(status: number, value: unknown, headers: Record<string, string> = {}): AdminResponse {
  if (status === 204) return { status, headers, body: '' }
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) }
}

/** An error answer: `{ error: { code, message, issues? } }`. */
export function adminError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): AdminResponse {
  return json(status, { error: { code, message, ...extra } })
}

/** `null` for a grant (`true` only); otherwise the 401 or 403 answer. Shared with the dashboard. */
export function refusal(verdict: unknown): AdminResponse | null {
  if (verdict === true) return null
  const denial = typeof verdict === 'object' && verdict !== null ? (verdict as Partial<AdminDenial>) : {}
  const message = typeof denial.message === 'string' ? denial.message : undefined
  return denial.status === 403
    ? adminError(403, 'FORBIDDEN', message ?? 'This request is not allowed.')
    : adminError(401, 'UNAUTHORIZED', message ?? 'Authentication is required.')
}

export function errorResponse(error: unknown): AdminResponse {
  if (error instanceof ValidationError) {
    return adminError(400, error.code === 'VALIDATION_ERROR' ? 'VALIDATION_ERROR' : error.code, error.message, {
      issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    })
  }
  if (error instanceof NotFoundError) return adminError(404, 'NOT_FOUND', error.message)
  if (error instanceof HookrelayError) return adminError(statusOfCode(error.code), error.code, error.message)
  return adminError(500, 'INTERNAL', 'The admin API failed; see the server logs.')
}
