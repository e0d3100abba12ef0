import { createHmac, type KeyObject } from 'node:crypto'

/**
 * HMAC-SHA256 over `prefix` followed by `payload`, without building the concatenation: the
 * payload (a string is hashed as UTF-8) goes straight to `update`, so a 64 KB body is not copied.
 */
export function hmacSha256(key: KeyObject, prefix: string, payload: string | Uint8Array, encoding: 'base64' | 'hex'): string {
  const hmac = createHmac('sha256', key)
  if (prefix.length > 0) hmac.update(prefix)
  return hmac.update(payload).digest(encoding)
}
