import type { Readable } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { adminBodyTooLarge, MAX_ADMIN_BODY_BYTES, parseAdminBody } from '../../admin/admin-body.js'
import { adminError, type AdminResponse } from '../../admin/admin-handlers.js'
import { HookrelayError } from '../../core/errors.js'
import { readRawBody } from '../node/read-raw-body.js'

/** Answers a request; `readBody`, when given, replaces reading the request's own body. */
export type FastifyAnswer = (request: FastifyRequest, reply: FastifyReply, readBody?: () => Promise<unknown>) => unknown

/**
 * For the admin API and the dashboard, which authorise before they read a body: inside the calling
 * plugin's scope only, Fastify hands every body over unread (as its stream), and the errors
 * Fastify raises before the route runs (a body too large, an unsupported type) are answered
 * through `answer`, so that they are authorised first too. `what` names the mount in a 500.
 */
export function takeBodiesUnread(fastify: FastifyInstance, what: string, answer: FastifyAnswer): void {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) return sendAdminResponse(reply, adminError(500, 'INTERNAL', `${what} failed; see the server logs.`))
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON'
    return answer(request, reply, () => Promise.reject(new HookrelayError(code, error.message)))
  })
}

/**
 * Reads the request's body (handed over unread by {@link takeBodiesUnread}) once asked, as JSON,
 * up to the admin body limit; `leftUnread()` then says whether the connection must close.
 */
export function ownBodyReader(request: FastifyRequest): { read: () => Promise<unknown>; leftUnread: () => boolean } {
  let leftUnread = false
  const stream = isStream(request.body) ? request.body : undefined
  return {
    async read() {
      if (!stream) return undefined
      const raw = await readRawBody(Object.assign(stream, { headers: request.headers }), MAX_ADMIN_BODY_BYTES)
      leftUnread = raw.leftUnread
      if (!raw.complete) throw adminBodyTooLarge()
      return parseAdminBody(raw.body)
    },
    leftUnread: () => leftUnread,
  }
}

/** Writes an admin response as Fastify's reply. */
export function sendAdminResponse(reply: FastifyReply, response: AdminResponse) {
  return reply.code(response.status).headers(response.headers).send(response.body === '' ? undefined : response.body)
}

/** A stream (Fastify's raw body as handed over), not a parsed value. */
export function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function'
}
