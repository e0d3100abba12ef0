import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ' // Crockford base32: sortable, no I/L/O/U

let lastTime = -1
let lastRandom: number[] = []

/**
 * A prefixed, time-sortable id (`msg_01JD…`): 10 characters of millisecond time and 16 of
 * randomness, like a ULID. Within a process ids are strictly increasing even inside one
 * millisecond (the random part counts up), so id order is send order: FIFO endpoints and cursors
 * rely on it.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att' | 'in', now = Date.now()): string {
  if (now > lastTime) {
    lastTime = now
    lastRandom = [...randomBytes(16)].map((b) => b % 32)
  } else {
    increment(lastRandom)
  }
  let time = ''
  let t = lastTime
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time
    t = Math.floor(t / 32)
  }
  let rand = ''
  for (const digit of lastRandom) rand += ALPHABET[digit]
  return `${prefix}_${time}${rand}`
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]!++
      return
    }
    digits[i] = 0
  }
}
