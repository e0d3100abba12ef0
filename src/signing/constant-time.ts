import { Buffer } from 'node:buffer'
import { timingSafeEqual } from 'node:crypto'

/** Reused buffers per compared length, so a comparison allocates nothing on the hot path. */
const scratch = new Map<number, readonly [Buffer, Buffer]>()
const LARGEST_SCRATCH = 256

/**
 * Compares a received signature with the expected one (ASCII: base64 or hex) with
 * `crypto.timingSafeEqual`, in time that does not depend on where they differ. The length is
 * checked first; it is public (fixed by the algorithm). Both strings are UTF-8 encoded, so a
 * received string with non-ASCII characters can never compare equal.
 */
export function constantTimeEqual(received: string, expected: string): boolean {
  const length = expected.length
  if (received.length !== length) return false
  if (length > LARGEST_SCRATCH) {
    const a = Buffer.from(received, 'utf8')
    const b = Buffer.from(expected, 'utf8')
    return a.length === b.length && timingSafeEqual(a, b)
  }
  let buffers = scratch.get(length)
  if (buffers === undefined) {
    buffers = [Buffer.alloc(length), Buffer.alloc(length)]
    scratch.set(length, buffers)
  }
  const [a, b] = buffers
  // write() stops before a character that does not fit, so non-ASCII input writes fewer bytes.
  if (a.write(received, 'utf8') !== length || b.write(expected, 'utf8') !== length) return false
  return timingSafeEqual(a, b)
}
