import { HookrelayError } from '../core/errors.js'

/** Largest admin request body read, in bytes: 1 MiB. */
export const MAX_ADMIN_BODY_BYTES = 1_048_576

/** The body is not JSON: 400 `INVALID_JSON`. */
export function invalidJson(cause?: unknown): HookrelayError {
  return new HookrelayError('INVALID_JSON', 'The request body is not valid JSON.', { cause })
}

/** The body is over `MAX_ADMIN_BODY_BYTES`: 413 `PAYLOAD_TOO_LARGE`. */
export function adminBodyTooLarge(): HookrelayError {
  return new HookrelayError('PAYLOAD_TOO_LARGE', `Admin request bodies are limited to ${MAX_ADMIN_BODY_BYTES} bytes.`)
}

/** Parses the bytes of an admin request body as JSON; an empty body is `undefined`. */
export function parseAdminBody(raw: Uint8Array | string): unknown {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw invalidJson(error)
  }
}
