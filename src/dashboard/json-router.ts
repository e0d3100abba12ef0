import { ValidationError, HookrelayError, NotFoundError, statusOfCode } from '../core/errors.js'
import { adminError } from '../admin/admin-handlers.js'
import type { DashboardRequest, DashboardResponse } from './dashboard-http.js'

type Params = Record<string, string>
/** A route's work: its result is answered as JSON (200 unless it says otherwise). */
export type JsonRoute<C> = (ctx: C, params: Params, request: DashboardRequest) => Promise<unknown>

/** JSON with no caching: operators' data must never sit in a shared cache. */
export function jsonResponse(status: number, value: unknown): DashboardResponse {
  if (status === 204) return { status, headers: { 'cache-control': 'no-store' }, body: '' }
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) }
}

/** A status other than 200 for a route's answer. */
export class Status {
  constructor(
    readonly status: number,
    readonly body?: unknown,
  ) {}
}


/** An error as the admin API answers it: `{ error: { code, message, issues? } }`. */
export function errorResponse(error: unknown): DashboardResponse {
  const answer = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) => {
    const response = adminError(status, code, message, extra)
    return { ...response, headers: { ...response.headers, 'cache-control': 'no-store' } }
  }
  if (error instanceof ValidationError) {
    return answer(400, error.code, error.message, { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) })
  }
  if (error instanceof NotFoundError) return answer(404, 'NOT_FOUND', error.message)
  if (error instanceof HookrelayError) return answer(statusOfCode(error.code), error.code, error.message)
  return answer(500, 'INTERNAL', 'The dashboard failed; see the server logs.')
}

/** A small table of JSON routes (`GET /messages/:id`), matched on decoded path segments. */
export class JsonRouter<C> {
  readonly #routes: { method: string; segments: string[]; handle: JsonRoute<C> }[] = []

  add(method: string, pattern: string, handle: JsonRoute<C>): this {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), handle })
    return this
  }

  /** The answer of the matching route, or `null` when none matches (method and path). */
  async handle(ctx: C, segments: string[], request: DashboardRequest): Promise<DashboardResponse | null> {
    const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase()
    // Literal segments first: `/dlq/replay` is not `/dlq/:id`.
    const candidates = this.#routes
      .filter((r) => r.method === method)
      .map((r) => ({ route: r, params: match(segments, r.segments) }))
      .filter((m) => m.params !== null)
    const found = candidates.find((c) => !c.route.segments.some((s) => s.startsWith(':'))) ?? candidates[0]
    if (!found) return null
    try {
      const result = await found.route.handle(ctx, found.params!, request)
      return result instanceof Status ? jsonResponse(result.status, result.body) : jsonResponse(200, result)
    } catch (error) {
      // A bug or an outage is the handler's to report (relay `error` event) and answer 500.
      if (!(error instanceof HookrelayError)) throw error
      return errorResponse(error)
    }
  }
}

function match(segments: string[], wanted: string[]): Params | null {
  if (segments.length !== wanted.length) return null
  const params: Params = {}
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i]!.startsWith(':')) params[wanted[i]!.slice(1)] = segments[i]!
    else if (wanted[i] !== segments[i]) return null
  }
  return params
}

/** The query as single strings (empty values dropped); a key given twice is a 400. */
export function flatQuery(request: DashboardRequest): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.query)) {
    if (typeof value === 'string' && value !== '') flat[key] = value
    else if (Array.isArray(value)) throw new ValidationError(`Invalid query: ${key} was given ${value.length} times; give it once.`)
  }
  return flat
}
