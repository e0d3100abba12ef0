import { toError } from '../core/emitter.js'
import { ValidationError } from '../core/errors.js'
import type { AdminRelay } from './admin-relay.js'
import { adminError, errorResponse, json, refusal } from './admin-errors.js'
import { match, routes, segmentsOf } from './admin-routes.js'
import type { AdminHandler, AdminOptions, AdminRequest, AdminResponse } from './admin-types.js'

export type { AdminAuthorize, AdminDenial, AdminHandler, AdminOptions, AdminRequest, AdminResponse } from './admin-types.js'
export { ADMIN_ROUTES } from './admin-routes.js'
export { adminError, refusal } from './admin-errors.js'

/**
 * Creates the framework-neutral admin API of `relay`. Adapters (`expressAdmin`, `fastifyAdmin`)
 * mount it; anything else can call it with `{ method, path, query, body, headers }`.
 * Errors are JSON `{ error: { code, message } }` with the status of their code; lists paginate
 * with `limit` and `cursor` and answer `{ data, nextCursor }`.
 */
export function createAdminHandler(relay: AdminRelay, options: AdminOptions): AdminHandler {
  const authorize = options?.authorize
  if (authorize !== 'none' && typeof authorize !== 'function') {
    throw new ValidationError(
      'The admin API needs an `authorize` function, e.g. expressAdmin(relay, { authorize: (req) => req.headers.authorization === `Bearer ${token}` }). ' +
        "It can replay, discard and delete webhooks and reveal endpoint secrets; pass authorize: 'none' only if something in front of it already authenticates.",
      [{ path: ['authorize'], message: "required: a function, or 'none'" }],
    )
  }

  const report = (error: unknown, context: string) => {
    try {
      relay.emit('error', { error: toError(error), context })
    } catch {
      // A throwing error listener must not turn a 500 into something else.
    }
  }

  return async function adminHandler(incoming: AdminRequest): Promise<AdminResponse> {
    // Authorise first, on what the request line and headers say: the body is not read yet.
    if (authorize !== 'none') {
      const { readBody: _readBody, ...withoutReader } = incoming
      let verdict: unknown
      try {
        verdict = await authorize(withoutReader)
      } catch (error) {
        report(error, 'admin.authorize')
        return adminError(500, 'INTERNAL', 'The admin API could not authorise this request; see the server logs.')
      }
      const refused = refusal(verdict)
      if (refused) return refused
    }
    try {
      let request = incoming
      const segments = segmentsOf(request.path)
      if (!segments) return adminError(400, 'VALIDATION_ERROR', 'The path is not valid percent-encoding.')
      const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase()
      const matching = routes.map((r) => ({ route: r, params: match(r, segments) })).filter((m) => m.params !== null)
      // A literal segment beats a parameter: `/dlq/replay` is the bulk route, not `/dlq/:id`.
      const found = matching.find((m) => m.route.method === method)
      if (!found) {
        if (matching.length === 0) return adminError(404, 'ROUTE_NOT_FOUND', `No admin route ${request.method} ${request.path}.`)
        const allow = [...new Set(matching.map((m) => m.route.method))].join(', ')
        return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed here; use ${allow}.` } }, { allow })
      }
      if (method !== 'GET' && incoming.readBody) request = { ...incoming, body: await incoming.readBody() }
      const result = await found.route.handle(relay, found.params!, request)
      return json(result.status ?? 200, result.body)
    } catch (error) {
      const response = errorResponse(error)
      if (response.status === 500) report(error, 'admin')
      return response
    }
  }
}
