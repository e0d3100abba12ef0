import type { IncomingMessage } from 'node:http'
import { readRawBody } from '../node/read-raw-body.js'

/**
 * An Express request (4 or 5) as the adapter sees it: Node's request, plus what body parsers may
 * have left on it, read structurally (`req.body`, and `req.rawBody` kept by a `verify` hook).
 */
export type ExpressLikeRequest = IncomingMessage

/** Said, word for word, when a parser ran first and kept no raw bytes. */
export const RAW_BODY_FIX =
  'hookrelay: the request body was already parsed by another middleware (e.g. an app-wide express.json()) before ' +
  'expressReceiver() could read the raw bytes that the signature covers, so the webhook cannot be verified. Fix the app ' +
  'in one of two ways: (1) mount the receiver before the parser, e.g. app.post("/webhooks/stripe", expressReceiver(stripe)) ' +
  'above app.use(express.json()); or (2) keep the raw bytes: app.use(express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })).'

/** The raw body, from what a parser kept or from the stream itself; or why it cannot be had. */
export async function expressRawBody(
  req: ExpressLikeRequest,
  limit: number,
): Promise<{ body: string | Uint8Array; leftUnread?: boolean } | { problem: string }> {
  const { rawBody: kept, body } = req as { rawBody?: unknown; body?: unknown }
  if (kept instanceof Uint8Array || typeof kept === 'string') return { body: kept }
  // express.raw() and express.text() leave the bytes (or text) as req.body.
  if (body instanceof Uint8Array || typeof body === 'string') return { body }
  // A parser consumed the stream (body-parser marks it; the stream has ended) and kept nothing.
  if ((req as { _body?: unknown })._body === true || req.readableEnded) return { problem: RAW_BODY_FIX }
  const { body: read, leftUnread } = await readRawBody(req, limit)
  return { body: read, leftUnread }
}
