import type { FastifyPluginAsync } from 'fastify'
import type { Receiver } from '../../inbound/receiver.js'
import { readRawBody } from '../node/read-raw-body.js'

/** Options of the plugin, given to `fastify.register`. */
export interface FastifyReceiverOptions {
  /**
   * The route's path inside the plugin's prefix.
   * @default '/'
   * @example fastify.register(fastifyReceiver(stripe), { path: '/webhooks/stripe' })
   */
  path?: string
}

/**
 * A Fastify 5 plugin serving `POST path` for `receiver`. It is encapsulated: its own content-type
 * parser keeps the raw bytes for this route only, and the rest of the app parses JSON as before.
 *
 * @example
 * fastify.register(fastifyReceiver(stripe), { path: '/webhooks/stripe' })
 */
export function fastifyReceiver<Events extends object>(receiver: Receiver<Events>): FastifyPluginAsync<FastifyReceiverOptions> {
  return async function hookrelayFastifyReceiver(fastify, options) {
    // Inside this plugin's scope only: every content type arrives as the raw bytes, unparsed.
    // Requests whose body was too large even to be read and discarded to its end.
    const cutOff = new WeakSet<object>()
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser('*', (request, payload, done) => {
      readRawBody(payload, receiver.maxBodyBytes).then(
        ({ body, leftUnread }) => {
          if (leftUnread) cutOff.add(request)
          done(null, body)
        },
        (error: Error) => done(error, undefined),
      )
    })
    fastify.post(options.path ?? '/', async (request, reply) => {
      const body = request.body instanceof Uint8Array ? request.body : Buffer.alloc(0)
      const response = await receiver.handle({ method: request.method, headers: request.headers, body })
      if (cutOff.has(request)) reply.header('connection', 'close')
      return reply.code(response.status).headers(response.headers).send(response.body)
    })
  }
}
