import type { FastifyError, FastifyPluginAsync } from 'fastify'
import { adminError, createAdminHandler, type AdminOptions, type AdminResponse } from '../../admin/admin-handlers.js'
import type { Relay } from '../../relay.js'

/**
 * The admin API as a Fastify 5 plugin; register it under a prefix of your choice. Bodies are
 * parsed by Fastify's JSON parser; parse errors answer in the admin API's JSON error shape.
 * `authorize` is required (see `AdminOptions`).
 *
 * @example
 * await app.register(fastifyAdmin(relay, { authorize: (req) => req.headers['x-admin-key'] === process.env.ADMIN_KEY }), { prefix: '/admin/webhooks' })
 */
export function fastifyAdmin(relay: Relay, options: AdminOptions): FastifyPluginAsync {
  const handle = createAdminHandler(relay, options)
  return async function hookrelayFastifyAdmin(fastify) {
    fastify.setErrorHandler((error: FastifyError, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
      const response =
        status === 500
          ? adminError(500, 'INTERNAL', 'The admin API failed; see the server logs.')
          : adminError(status, error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON', error.message)
      return send(reply, response)
    })
    fastify.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/*',
      handler: async (request, reply) => {
        const path = '/' + ((request.params as { '*'?: string })['*'] ?? '')
        const response = await handle({
          method: request.method,
          path,
          query: request.query as Record<string, string | string[] | undefined>,
          body: request.body,
          headers: request.headers,
        })
        return send(reply, response)
      },
    })
  }
}

function send(reply: import('fastify').FastifyReply, response: AdminResponse) {
  return reply.code(response.status).headers(response.headers).send(response.body === '' ? undefined : response.body)
}
