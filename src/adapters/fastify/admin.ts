import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { createAdminHandler, type AdminOptions, type AdminRequest } from '../../admin/admin-handlers.js'
import type { Relay } from '../../relay.js'
import { ownBodyReader, sendAdminResponse, takeBodiesUnread } from './unread-bodies.js'

/**
 * The admin API as a Fastify 5 plugin; register it under a prefix of your choice. `authorize` is
 * required (see `AdminOptions`) and runs before the body is read: inside this plugin's scope the
 * body is not parsed by Fastify but read by the admin API once the request is authorised, so a
 * request it refuses gets 401/403 whatever its body.
 *
 * @example
 * await app.register(fastifyAdmin(relay, { authorize: (req) => req.headers['x-admin-key'] === process.env.ADMIN_KEY }), { prefix: '/admin/webhooks' })
 */
export function fastifyAdmin(relay: Relay, options: AdminOptions): FastifyPluginAsync {
  const handle = createAdminHandler(relay, options)
  return async function hookrelayFastifyAdmin(fastify) {
    takeBodiesUnread(fastify, 'The admin API', answer)
    fastify.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/*',
      handler: (request, reply) => answer(request, reply),
    })
  }

  async function answer(request: FastifyRequest, reply: FastifyReply, readBody?: () => Promise<unknown>) {
    const body = ownBodyReader(request)
    const adminRequest: AdminRequest = {
      method: request.method,
      path: '/' + ((request.params as { '*'?: string } | undefined)?.['*'] ?? ''),
      query: (request.query ?? {}) as AdminRequest['query'],
      headers: request.headers,
      readBody: readBody ?? body.read,
    }
    const response = await handle(adminRequest)
    if (body.leftUnread()) reply.header('connection', 'close')
    return sendAdminResponse(reply, response)
  }
}
