import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Receiver } from '../../inbound/receiver.js'
import { readRawBody, type RawBody } from './read-raw-body.js'
import { writeResponse } from './write-response.js'

/**
 * A `(req, res)` handler for `http.createServer` and anything Node-shaped that has not read the
 * body yet (Next.js pages with `bodyParser: false`, Connect, …). It reads the raw body itself.
 *
 * @example
 * http.createServer(nodeReceiver(stripe)).listen(3000)
 * // or route to it: if (req.url === '/webhooks/stripe') return handleStripe(req, res)
 */
export function nodeReceiver<Events extends object>(receiver: Receiver<Events>): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async function hookrelayNodeReceiver(req, res) {
    if (req.readableEnded) {
      // Something read the body before us; verifying an empty body would be a misleading 401.
      const rawBodyProblem =
        'hookrelay: the request body was already read by other code before nodeReceiver() ran, so the signature cannot be checked. Hand the untouched request to nodeReceiver() (in Next.js pages, set export const config = { api: { bodyParser: false } }).'
      return writeResponse(res, await receiver.handle({ method: req.method, headers: req.headers, body: '', rawBodyProblem }))
    }
    let raw: RawBody
    try {
      raw = await readRawBody(req, receiver.maxBodyBytes)
    } catch {
      // The client went away mid-body: there is nobody to answer.
      if (!res.headersSent) res.destroy()
      return
    }
    writeResponse(res, await receiver.handle({ method: req.method, headers: req.headers, body: raw.body }), raw.leftUnread)
  }
}
