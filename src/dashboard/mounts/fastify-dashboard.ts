import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ownBodyReader, takeBodiesUnread } from '../../adapters/fastify/unread-bodies.js'
import type { Relay } from '../../relay.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import { isStream, type DashboardResponse } from '../dashboard-http.js'
import type { DashboardOptions } from '../dashboard-options.js'
import { writeDashboardResponse } from './node-io.js'

/**
 * The dashboard as a Fastify 5 plugin; register it under a prefix of your choice. Bodies are
 * read by the dashboard itself, after `authorize` (the app's parsers do not run inside this
 * plugin's scope). `authorize` is required (see `DashboardOptions`).
 *
 * @example
 * await app.register(fastifyDashboard(relay, { authorize: (req) => isAdmin(req) }), { prefix: '/webhooks-admin' })
 */
export function fastifyDashboard(relay: Relay, options: DashboardOptions): FastifyPluginAsync {
  const handle = createDashboardHandler(relay, options)
  return async function hookrelayFastifyDashboard(fastify) {
    const basePath = fastify.prefix
    takeBodiesUnread(fastify, 'The dashboard', (request, reply, readBody) => handler(request, reply, readBody))
    const handler = async (request: FastifyRequest, reply: FastifyReply, readBody?: () => Promise<unknown>) => {
      const url = new URL(request.url, 'http://dashboard.invalid')
      const path = basePath !== '' && url.pathname === basePath ? '' : url.pathname.slice(basePath.length) || '/'
      const body = ownBodyReader(request)
      const response = await handle({
        method: request.method,
        path,
        basePath,
        query: request.query as Record<string, string | string[] | undefined>,
        readBody: readBody ?? body.read,
        headers: request.headers,
      })
      if (body.leftUnread()) reply.header('connection', 'close')
      if (isStream(response.body)) {
        reply.hijack()
        writeDashboardResponse(request.raw, reply.raw, response)
        return reply
      }
      return send(reply, response)
    }
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
    fastify.route({ method: [...methods], url: '/', handler: (request, reply) => handler(request, reply) })
    fastify.route({ method: [...methods], url: '/*', handler: (request, reply) => handler(request, reply) })
  }
}

function send(reply: FastifyReply, response: DashboardResponse) {
  const body = response.body
  reply.code(response.status).headers(response.headers)
  return reply.send(typeof body === 'string' ? (body === '' ? undefined : body) : Buffer.from(body as Uint8Array))
}
