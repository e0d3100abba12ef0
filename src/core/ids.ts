import { randomFillSync } from 'node:crypto'
import { HookrelayError } from './errors.js'

/** The digits of ids: Crockford base32, sortable, no I/L/O/U. */
export const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const ALPHABET = ID_ALPHABET

let lastTime = -1
let lastRandom: number[] = []

/**
 * Random bytes are drawn 4 KiB at a time, as `crypto.randomUUID()` does: a draw costs about as much
 * for 4 KiB as for 16 bytes (6 to 8 µs, measured), and a new millisecond, so a draw, comes with
 * nearly every webhook a receiver takes in. Each byte is used once.
 */
const randomPool = Buffer.allocUnsafe(4096)
let randomOffset = randomPool.length

/** 16 fresh random base-32 digits. */
function randomDigits(): number[] {
  if (randomOffset + 16 > randomPool.length) {
    randomFillSync(randomPool)
    randomOffset = 0
  }
  const digits = new Array<number>(16)
  for (let i = 0; i < 16; i++) digits[i] = randomPool[randomOffset + i]! & 31
  randomOffset += 16
  return digits
}

/**
 * A prefixed, time-sortable id (`msg_01JD…`): 10 characters of millisecond time and 16 of
 * randomness, like a ULID. Within a process ids are strictly increasing even inside one
 * millisecond (the random part counts up), so id order is send order: FIFO endpoints and cursors
 * rely on it. `now` defaults to the wall clock for standalone use; the relay always passes its own.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att' | 'in', now = Date.now()): string {
  if (now > lastTime) {
    lastTime = now
    lastRandom = randomDigits()
  } else {
    increment(lastRandom)
  }
  return format(prefix)
}

/** The current state of the sequence as an id. */
function format(prefix: string): string {
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

/** Deliveries one message id can name: 3 base-32 digits, less the message's own (0). */
export const MAX_DELIVERIES_PER_MESSAGE = 32 ** 3 - 1

/**
 * A message id that reserves the next 32,767 ids of the sequence for its deliveries: its last 3
 * digits are `000` and the sequence continues after `…ZZZ`. `deliveryIdOf(messageId, n)` names
 * the n-th delivery without a generator, so the database can name them too (Postgres fans out in
 * the insert statement itself), and delivery ids keep the send order FIFO relies on: every id of
 * the block sorts after what was issued before the message and before what is issued after it.
 */
export function newMessageId(now = Date.now()): string {
  if (now > lastTime) {
    lastTime = now
    lastRandom = randomDigits()
  } else {
    // Past the current value's block: carry into the 4th digit from the end.
    lastRandom[lastRandom.length - 1] = 31
    lastRandom[lastRandom.length - 2] = 31
    lastRandom[lastRandom.length - 3] = 31
    increment(lastRandom)
  }
  lastRandom.fill(0, lastRandom.length - 3)
  const id = format('msg')
  lastRandom.fill(31, lastRandom.length - 3) // the next id of any kind comes after the block
  return id
}

/** The id of the `ordinal`-th delivery (1-based) of a message whose id came from `newMessageId`. */
export function deliveryIdOf(messageId: string, ordinal: number): string {
  if (!Number.isInteger(ordinal) || ordinal < 1 || ordinal > MAX_DELIVERIES_PER_MESSAGE) {
    throw new HookrelayError(
      'TOO_MANY_DELIVERIES',
      `A message fans out to at most ${MAX_DELIVERIES_PER_MESSAGE} endpoints; this one matched more. ` +
        'Narrow the endpoints\' event types or channels, or send to explicit endpointIds in several messages.',
    )
  }
  return `dlv_${messageId.slice(4, 27)}${ALPHABET[ordinal >> 10]}${ALPHABET[(ordinal >> 5) & 31]}${ALPHABET[ordinal & 31]}`
}

/**
 * The message a delivery id was named after by `deliveryIdOf` (its 3 last digits back to `000`).
 * Only for such ids: a delivery made for an older message later (a resend) has an id of its own.
 */
export function messageIdOf(deliveryId: string): string {
  return `msg_${deliveryId.slice(4, 27)}000`
}
