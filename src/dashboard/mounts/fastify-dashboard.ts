import type { Readable } from 'node:stream'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import { readRawBody } from '../../adapters/node/read-raw-body.js'
import { HookrelayError } from '../../core/errors.js'
import type { Relay } from '../../relay.js'
import { createDashboardHandler } from '../dashboard-handler.js'
import { isStream, type DashboardResponse } from '../dashboard-http.js'
import type { DashboardOptions } from '../dashboard-options.js'
import { adminError } from '../../admin/admin-handlers.js'
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
    // Inside this plugin only: every body is handed over unread, as its stream, and read by the
    // dashboard once the request was let in (authorised, CSRF checked).
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
    fastify.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
      if (status === 500) return send(reply, adminError(500, 'INTERNAL', 'The dashboard failed; see the server logs.'))
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON'
      return handler(request, reply, () => Promise.reject(new HookrelayError(code, error.message)))
    })
    const handler = async (request: FastifyRequest, reply: FastifyReply, readBody?: () => Promise<unknown>) => {
      const url = new URL(request.url, 'http://dashboard.invalid')
      const path = basePath !== '' && url.pathname === basePath ? '' : url.pathname.slice(basePath.length) || '/'
      let leftUnread = false
      const stream = isReadable(request.body) ? request.body : undefined
      const readOwnBody = async (): Promise<unknown> => {
        if (!stream) return undefined
        const raw = await readRawBody(Object.assign(stream, { headers: request.headers }), MAX_ADMIN_BODY_BYTES)
        leftUnread = raw.leftUnread
        if (!raw.complete) throw adminBodyTooLarge()
        return parseAdminBody(raw.body)
      }
      const response = await handle({
        method: request.method,
        path,
        basePath,
        query: request.query as Record<string, string | string[] | undefined>,
        readBody: readBody ?? readOwnBody,
        headers: request.headers,
      })
      if (leftUnread) reply.header('connection', 'close')
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

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function'
}
