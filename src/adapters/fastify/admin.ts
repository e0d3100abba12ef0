import type { Readable } from 'node:stream'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import { adminError, createAdminHandler, type AdminOptions, type AdminRequest, type AdminResponse } from '../../admin/admin-handlers.js'
import { HookrelayError } from '../../core/errors.js'
import type { Relay } from '../../relay.js'
import { readRawBody } from '../node/read-raw-body.js'

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
    // Inside this plugin only: every body is handed over unread, as its stream.
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
    // Errors Fastify raises before the route runs: still authorise before answering them.
    fastify.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
      if (status === 500) return send(reply, adminError(500, 'INTERNAL', 'The admin API failed; see the server logs.'))
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON'
      return answer(request, reply, () => Promise.reject(new HookrelayError(code, error.message)))
    })
    fastify.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/*',
      handler: (request, reply) => answer(request, reply),
    })
  }

  async function answer(request: FastifyRequest, reply: FastifyReply, readBody?: () => Promise<unknown>) {
    let leftUnread = false
    const stream = isStream(request.body) ? request.body : undefined
    const readOwnBody = async (): Promise<unknown> => {
      if (!stream) return undefined
      const raw = await readRawBody(Object.assign(stream, { headers: request.headers }), MAX_ADMIN_BODY_BYTES)
      leftUnread = raw.leftUnread
      if (!raw.complete) throw adminBodyTooLarge()
      return parseAdminBody(raw.body)
    }
    const adminRequest: AdminRequest = {
      method: request.method,
      path: '/' + ((request.params as { '*'?: string } | undefined)?.['*'] ?? ''),
      query: (request.query ?? {}) as AdminRequest['query'],
      headers: request.headers,
      readBody: readBody ?? readOwnBody,
    }
    const response = await handle(adminRequest)
    if (leftUnread) reply.header('connection', 'close')
    return send(reply, response)
  }
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function'
}

function send(reply: FastifyReply, response: AdminResponse) {
  return reply.code(response.status).headers(response.headers).send(response.body === '' ? undefined : response.body)
}

