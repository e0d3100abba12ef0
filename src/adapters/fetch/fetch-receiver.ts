import type { Receiver } from '../../inbound/receiver.js'
import { readFetchBody } from './read-body.js'

/**
 * A `(Request) => Promise<Response>` handler for Fetch runtimes: Next.js App Router route
 * handlers, Hono, Bun, Deno, Cloudflare-style workers. It reads the raw body itself: do not call
 * `request.json()` or `request.text()` before it.
 *
 * @example
 * // app/webhooks/stripe/route.ts (Next.js)
 * export const POST = fetchReceiver(stripe)
 * // Hono
 * app.post('/webhooks/stripe', (c) => handleStripe(c.req.raw))
 */
export function fetchReceiver<Events extends object>(receiver: Receiver<Events>): (request: Request) => Promise<Response> {
  return async function hookrelayFetchReceiver(request) {
    if (request.bodyUsed) {
      const response = await receiver.handle({
        method: request.method,
        headers: request.headers,
        body: '',
        rawBodyProblem:
          'hookrelay: the request body was already read (request.json() or request.text() ran before fetchReceiver()), so the signature cannot be checked. Pass the untouched Request to fetchReceiver().',
      })
      return new Response(response.body, { status: response.status, headers: response.headers })
    }
    const { body } = await readFetchBody(request, receiver.maxBodyBytes)
    const response = await receiver.handle({ method: request.method, headers: request.headers, body })
    return new Response(response.body, { status: response.status, headers: response.headers })
  }
}
