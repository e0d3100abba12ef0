import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Relay } from '../../relay.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import { isStream, type DashboardResponse } from '../dashboard-http.js'
import type { DashboardOptions } from '../dashboard-options.js'
import { adminError } from '../../admin/admin-handlers.js'
import { writeDashboardResponse } from './node-io.js'

/**
 * The dashboard as a Fastify 5 plugin; register it under a prefix of your choice. Bodies are
 * parsed by Fastify's JSON parser. `authorize` is required (see `DashboardOptions`).
 *
 * @example
 * await app.register(fastifyDashboard(relay, { authorize: (req) => isAdmin(req) }), { prefix: '/webhooks-admin' })
 */
export function fastifyDashboard(relay: Relay, options: DashboardOptions): FastifyPluginAsync {
  const handle = createDashboardHandler(relay, options)
  return async function hookrelayFastifyDashboard(fastify) {
    const basePath = fastify.prefix
    fastify.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
      return send(
        reply,
        status === 500 ? adminError(500, 'INTERNAL', 'The dashboard failed; see the server logs.') : adminError(status, 'INVALID_JSON', error.message),
      )
    })
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const url = new URL(request.url, 'http://dashboard.invalid')
      const path = basePath !== '' && url.pathname === basePath ? '' : url.pathname.slice(basePath.length) || '/'
      const response = await handle({
        method: request.method,
        path,
        basePath,
        query: request.query as Record<string, string | string[] | undefined>,
        body: request.body,
        headers: request.headers,
      })
      if (isStream(response.body)) {
        reply.hijack()
        writeDashboardResponse(request.raw, reply.raw, response)
        return reply
      }
      return send(reply, response)
    }
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
    fastify.route({ method: [...methods], url: '/', handler })
    fastify.route({ method: [...methods], url: '/*', handler })
  }
}

function send(reply: FastifyReply, response: DashboardResponse) {
  const body = response.body
  reply.code(response.status).headers(response.headers)
  return reply.send(typeof body === 'string' ? (body === '' ? undefined : body) : Buffer.from(body as Uint8Array))
}
