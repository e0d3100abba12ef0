import type { IncomingMessage } from 'node:http'
import { readRawBody } from '../node/read-raw-body.js'

/** The part of an Express request the adapter looks at (Express 4 and 5 alike). */
export interface ExpressLikeRequest extends IncomingMessage {
  /** What a body parser left: a Buffer (`express.raw()`), a string (`express.text()`), or parsed JSON. */
  body?: unknown
  /** The raw bytes kept by the `verify` hook of `express.json()` (see {@link RAW_BODY_FIX}). */
  rawBody?: unknown
}

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
): Promise<{ body: string | Uint8Array } | { problem: string }> {
  const kept = req.rawBody
  if (kept instanceof Uint8Array || typeof kept === 'string') return { body: kept }
  // express.raw() and express.text() leave the bytes (or text) as req.body.
  if (req.body instanceof Uint8Array || typeof req.body === 'string') return { body: req.body }
  // A parser consumed the stream (body-parser marks it; the stream has ended) and kept nothing.
  if ((req as { _body?: unknown })._body === true || req.readableEnded) return { problem: RAW_BODY_FIX }
  return { body: (await readRawBody(req, limit)).body }
}
