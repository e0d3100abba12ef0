import { isUtf8 } from 'node:buffer'
import type { Refusal } from './receiver-answers.js'
import type { ResolvedReceiverOptions } from './receiver-options.js'
import { headerValue, normalizeHeaders, type IncomingHeaders, type NormalizedHeaders } from './request-headers.js'
import { SCHEME_DEFAULTS } from './scheme-defaults.js'

/** A request as any runtime can describe it: the raw body, byte for byte, and the headers. */
export interface ReceiverRequest {
  /** The raw request body as received: never parsed and re-serialized JSON. */
  body: string | Uint8Array
  /** Node's `req.headers`, a plain object in any letter case, or a Fetch `Headers`. */
  headers: IncomingHeaders
  /** The HTTP method, when known: anything but POST is answered 405. */
  method?: string
  /**
   * For adapters: why the raw body cannot be had (e.g. a JSON parser consumed it first). The
   * receiver then answers 500 with this message, which must say how to fix the app, and emits
   * `inbound.rejected` with reason `BODY_NOT_RAW`: never a misleading signature failure.
   */
  rawBodyProblem?: string
}

/** A check's verdict: the refusal to answer, or what the next step works on. */
export type Checked<T> = { refusal: Refusal } | ({ refusal?: undefined } & T)

/** A raw request body with its headers, once the request is known to carry them. */
export interface RawRequest {
  body: string | Uint8Array
  headers: NormalizedHeaders
}

/** The options the header check reads: which scheme, and whether id and type come from functions. */
export type HeaderCheckOptions = Pick<ResolvedReceiverOptions, 'scheme' | 'webhookId' | 'eventType'>

export function refuse(refusal: Refusal): { refusal: Refusal } {
  return { refusal }
}

/** A request object (500), sent with POST (405), with its raw body (500). */
export function checkShape(request: ReceiverRequest): Checked<RawRequest> {
  if (request === null || typeof request !== 'object') {
    return refuse({ status: 500, reason: 'INVALID_REQUEST', body: { error: 'internal_error', message: 'receiver.handle() takes { body, headers }.' } })
  }
  if (request.method !== undefined && request.method.toUpperCase() !== 'POST') {
    return refuse({
      status: 405,
      reason: 'METHOD_NOT_ALLOWED',
      body: { error: 'method_not_allowed', message: 'Webhooks are delivered with POST.' },
      headers: { allow: 'POST' },
    })
  }
  if (typeof request.rawBodyProblem === 'string') {
    return refuse({
      status: 500,
      reason: 'BODY_NOT_RAW',
      body: { error: 'raw_body_unavailable', message: request.rawBodyProblem },
    })
  }
  const body = request.body
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    return refuse({
      status: 500,
      reason: 'BODY_NOT_RAW',
      body: {
        error: 'raw_body_unavailable',
        message:
          'receiver.handle() needs the raw request body (a string or Buffer), not parsed JSON: signatures cover the exact bytes. Use an adapter from hookrelay/express, hookrelay/fastify, hookrelay/node or hookrelay/fetch, or read the body as text.',
      },
    })
  }
  return { body, headers: normalizeHeaders(request.headers) }
}

/** The body, and the length it declares, within `maxBodyBytes` (413). */
export function checkSize<T extends RawRequest>(request: T, maxBodyBytes: number): Checked<T> {
  const { body, headers } = request
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength
  const declared = Number(headerValue(headers, 'content-length') ?? 0)
  if (size > maxBodyBytes || declared > maxBodyBytes) {
    return refuse({
      status: 413,
      reason: 'PAYLOAD_TOO_LARGE',
      body: { error: 'payload_too_large', message: `The body must be at most ${maxBodyBytes} bytes.` },
    })
  }
  return request
}

/** A JSON content type, when one is given (415). */
export function checkMediaType<T extends { headers: NormalizedHeaders }>(request: T): Checked<T> {
  const contentType = headerValue(request.headers, 'content-type')
  if (contentType !== undefined && !isJsonMediaType(contentType)) {
    return refuse({
      status: 415,
      reason: 'UNSUPPORTED_MEDIA_TYPE',
      body: { error: 'unsupported_media_type', message: 'Send the webhook as application/json.' },
    })
  }
  return request
}

/** The headers the scheme takes the webhook id and type from, unless functions give them (400). */
export function checkHeaders<T extends { headers: NormalizedHeaders }>(request: T, o: HeaderCheckOptions): Checked<T> {
  const defaults = SCHEME_DEFAULTS[o.scheme]
  const required = [...(o.webhookId ? [] : defaults.idHeaders), ...(o.eventType ? [] : defaults.typeHeaders)].filter(
    (name) => !headerValue(request.headers, name),
  )
  if (required.length > 0) {
    return refuse({
      status: 400,
      reason: 'MISSING_HEADER',
      body: { error: 'missing_header', message: `Missing ${required.join(' and ')} header${required.length > 1 ? 's' : ''}.` },
    })
  }
  return request
}

/**
 * The payload is stored as text, so it must be the bytes received, exactly: a body that is not
 * UTF-8 would be stored decoded (each bad byte replaced), not as it was signed. JSON between
 * systems is UTF-8 (RFC 8259 §8.1), so such a body is refused as not JSON (400).
 */
export function checkJson<T extends { body: string | Uint8Array }>(request: T): Checked<T & { text: string; payload: unknown }> {
  const parsed = parseBody(request.body)
  return parsed.refusal ? parsed : { ...request, text: parsed.text, payload: parsed.payload }
}

/** The body as text and as parsed JSON (see {@link checkJson}). */
export function parseBody(body: string | Uint8Array): Checked<{ text: string; payload: unknown }> {
  let text: string
  if (typeof body === 'string') text = body
  else {
    // Adapters on Node hand over a Buffer already: no view of it to make.
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    if (!isUtf8(bytes)) {
      return refuse({
        status: 400,
        reason: 'INVALID_JSON',
        body: { error: 'invalid_json', message: 'The body is not valid JSON: it is not UTF-8.' },
      })
    }
    text = bytes.toString('utf8')
  }
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch {
    return refuse({ status: 400, reason: 'INVALID_JSON', body: { error: 'invalid_json', message: 'The body is not valid JSON.' } })
  }
  return { text, payload }
}

/** `application/json`, or any `+json` type, whatever the parameters. */
export function isJsonMediaType(value: string): boolean {
  if (value === 'application/json') return true // as most senders write it: nothing to take apart
  const type = value.split(';', 1)[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

export function stringHeaders(headers: NormalizedHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers)) out[name] = headerValue(headers, name)!
  return out
}
