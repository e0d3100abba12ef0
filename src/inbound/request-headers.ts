/**
 * Request headers as the adapters hand them over: Node's `IncomingHttpHeaders` (lower-case, some
 * values arrays), a plain object in any letter case, or a Fetch `Headers`.
 */
export type IncomingHeaders =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { forEach(callback: (value: string, name: string) => void): void; get(name: string): string | null }

/** Headers with lower-case names; a header sent several times keeps its values as an array. */
export type NormalizedHeaders = Record<string, string | string[]>

/** Lower-cases the names and drops empty entries, in one pass. */
export function normalizeHeaders(headers: IncomingHeaders | null | undefined): NormalizedHeaders {
  const out: NormalizedHeaders = Object.create(null) as NormalizedHeaders
  if (headers === null || typeof headers !== 'object') return out
  const add = (rawName: string, value: unknown) => {
    const name = rawName.toLowerCase()
    const values = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []
    if (values.length === 0) return
    const previous = out[name]
    const merged = previous === undefined ? values : [...(Array.isArray(previous) ? previous : [previous]), ...values]
    out[name] = merged.length === 1 ? merged[0]! : merged
  }
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && typeof (headers as { get?: unknown }).get === 'function') {
    ;(headers as { forEach(cb: (value: string, name: string) => void): void }).forEach((value, name) => add(name, value))
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value)
  }
  return out
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
