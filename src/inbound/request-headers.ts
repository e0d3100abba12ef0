/**
 * Request headers as the adapters hand them over: Node's `IncomingHttpHeaders` (lower-case, some
 * values arrays), a plain object in any letter case, or a Fetch `Headers`.
 */
export type IncomingHeaders =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { forEach(callback: (value: string, name: string) => void): void; get(name: string): string | null }

/** The Fetch `Headers` shape of {@link IncomingHeaders}. */
type FetchHeaders = Extract<IncomingHeaders, { forEach(callback: (value: string, name: string) => void): void }>

/** Headers with lower-case names; a header sent several times keeps its values as an array. */
export type NormalizedHeaders = Record<string, string | string[]>

/** Lower-cases the names and drops empty entries, in one pass. */
export function normalizeHeaders(headers: IncomingHeaders | null | undefined): NormalizedHeaders {
  const out: NormalizedHeaders = Object.create(null) as NormalizedHeaders
  if (headers === null || typeof headers !== 'object') return out
  if (isFetchHeaders(headers)) headers.forEach((value, name) => addHeader(out, name, value))
  else for (const name of Object.keys(headers)) addHeader(out, name, headers[name])
  return out
}

/** A Fetch `Headers` (or alike), as opposed to a plain object of headers. */
function isFetchHeaders(headers: IncomingHeaders): headers is FetchHeaders {
  return 'forEach' in headers && typeof headers.forEach === 'function' && 'get' in headers && typeof headers.get === 'function'
}

/** Adds a header's values after those already under its lower-case name; empty entries are dropped. */
function addHeader(out: NormalizedHeaders, rawName: string, value: unknown): void {
  const name = rawName.toLowerCase()
  const previous = out[name]
  // The common case (every header of a Node request but set-cookie): one string, seen once. It is
  // taken without the arrays below, which every request would otherwise make for each header.
  if (typeof value === 'string' && previous === undefined) {
    out[name] = value
    return
  }
  const values = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []
  if (values.length === 0) return
  const merged = previous === undefined ? values : [...(Array.isArray(previous) ? previous : [previous]), ...values]
  out[name] = merged.length === 1 ? merged[0]! : merged
}

/** The header's value as one string (repeated values joined with `, `), or undefined. */
export function headerValue(headers: NormalizedHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Headers never stored with an inbound message: signatures (useless once verified, and a replay
 * aid), credentials, and the connection-level ones that say nothing about the webhook.
 */
const NOT_KEPT = new Set([
  'webhook-signature',
  'svix-signature',
  'stripe-signature',
  'x-hub-signature',
  'x-hub-signature-256',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'te',
  'upgrade',
  'expect',
  'accept-encoding',
])

/** The headers stored with an inbound message and handed to handlers as `ctx.headers`. */
export function keptHeaders(headers: NormalizedHeaders, signatureHeader: string): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const name of Object.keys(headers)) {
    if (NOT_KEPT.has(name) || name === signatureHeader) continue
    kept[name] = headerValue(headers, name)!
  }
  return kept
}
