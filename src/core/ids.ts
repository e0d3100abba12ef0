import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ' // Crockford base32: sortable, no I/L/O/U

/**
 * A prefixed, time-sortable id (`msg_01JD…`): 10 characters of millisecond time and
 * 16 of randomness, like a ULID. Sortable ids keep the claim index and cursors cheap.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att' | 'in', now = Date.now()): string {
  let time = ''
  let t = now
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time
    t = Math.floor(t / 32)
  }
  const bytes = randomBytes(16)
  let rand = ''
  for (const byte of bytes) rand += ALPHABET[byte % 32]
  return `${prefix}_${time}${rand}`
}
