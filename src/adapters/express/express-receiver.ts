import type { ServerResponse } from 'node:http'
import type { Receiver } from '../../inbound/receiver.js'
import { writeResponse } from '../node/write-response.js'
import { expressRawBody, type ExpressLikeRequest } from './raw-body.js'

/**
 * Express middleware (Express 4 and 5) that hands a request to `receiver`. It reads the raw body
 * itself, so mount it without a body parser in front. If an app-wide `express.json()` already ran,
 * it uses the bytes the parser's `verify` hook kept as `req.rawBody` and otherwise answers 500 with
 * a message saying how to fix the app (never a misleading signature failure).
 *
 * @example
 * app.post('/webhooks/stripe', expressReceiver(stripe))
 * app.use(express.json()) // the rest of the app, after
 */
export function expressReceiver<Events extends object>(
  receiver: Receiver<Events>,
): (req: ExpressLikeRequest, res: ServerResponse, next: (error?: unknown) => void) => void {
  return function hookrelayExpressReceiver(req, res, next) {
    let leftUnread = false
    expressRawBody(req, receiver.maxBodyBytes)
      .then((raw) => {
        leftUnread = 'leftUnread' in raw && raw.leftUnread === true
        return receiver.handle({
          method: req.method,
          headers: req.headers,
          body: 'body' in raw ? raw.body : '',
          ...('problem' in raw ? { rawBodyProblem: raw.problem } : {}),
        })
      })
      .then((response) => writeResponse(res, response, leftUnread), next)
  }
}
