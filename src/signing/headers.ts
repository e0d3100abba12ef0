import { WebhookVerificationError } from './webhook-verification-error.js'

/**
 * Request headers as frameworks hand them over: a plain object in any letter case
 * (`{ 'Webhook-Id': '…' }`), Node's `IncomingHttpHeaders` (lower-case, some values string arrays),
 * or anything with a Fetch-style `get(name)` such as the global `Headers`.
 */
export type HeaderSource = Readonly<Record<string, string | readonly string[] | undefined>> | HeadersLike

/** The part of the Fetch `Headers` class that verification needs. */
export interface HeadersLike {
  /** The value of a header (any case), or `null` when absent. */
  get(name: string): string | null
}

/**
 * The value of a header that must appear once (`webhook-id`, `webhook-timestamp`). Repeated
 * identical values are tolerated (proxies sometimes duplicate headers); different ones are not.
 * Returns undefined when the header is absent or empty.
 */
export function readSingleHeader(source: unknown, name: string): string | undefined {
  const value = lookup(source, name)
  if (typeof value === 'string') return value === '' ? undefined : value
  if (value === undefined) return undefined
  let single: string | undefined
  for (const item of value) {
    if (item === '') continue
    if (single !== undefined && item !== single) {
      throw new WebhookVerificationError('INVALID_HEADER', `The ${name} header appears several times with different values; send it once.`)
    }
    single = item
  }
  return single
}

/**
 * The value of a header holding a list of signatures; repeated headers are joined with
 * `separator`. Returns undefined when the header is absent or empty.
 */
export function readListHeader(source: unknown, name: string, separator: string): string | undefined {
  const value = lookup(source, name)
  if (typeof value === 'string') return value === '' ? undefined : value
  if (value === undefined) return undefined
  const joined = value.filter((item) => item !== '').join(separator)
  return joined === '' ? undefined : joined
}

/** Raw lookup across the three header shapes; a string, a list of strings, or undefined. */
function lookup(source: unknown, name: string): string | readonly string[] | undefined {
  if (source === null || typeof source !== 'object') return undefined
  let value: unknown
  try {
    const get = (source as { get?: unknown }).get
    if (typeof get === 'function') {
      value = (get as (name: string) => unknown).call(source, name)
      if (value === null) return undefined
    } else {
      const record = source as Record<string, unknown>
      value = record[name]
      // Fast path: Node's IncomingHttpHeaders and most objects have lower-case names already.
      if (typeof value === 'string') return value
      if (value === undefined || !Object.hasOwn(record, name)) value = lookupIgnoringCase(record, name)
    }
  } catch (cause) {
    throw new WebhookVerificationError('INVALID_HEADER', `Could not read the ${name} header from the headers object given.`, { cause })
  }
  if (value === undefined || typeof value === 'string') return value
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as readonly string[]
  throw new WebhookVerificationError(
    'INVALID_HEADER',
    `The ${name} header must be a string or an array of strings, got ${Array.isArray(value) ? 'an array with other values' : typeof value}.`,
  )
}

/** Slow path for plain objects whose keys are not lower-case; collects every case variant. */
function lookupIgnoringCase(record: Record<string, unknown>, name: string): unknown {
  let found: unknown[] | undefined
  for (const key of Object.keys(record)) {
    if (key.length !== name.length || key.toLowerCase() !== name) continue
    const value = record[key]
    if (value === undefined) continue
    ;(found ??= []).push(...(Array.isArray(value) ? value : [value]))
  }
  if (found === undefined) return undefined
  return found.length === 1 ? found[0] : found
}
