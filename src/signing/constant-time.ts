/**
 * Compares a received signature with the expected one in time that does not depend on where
 * (or whether) they differ: the length is checked first (it is public, fixed by the algorithm),
 * then every UTF-16 code unit is XOR-ed into one accumulator with no early exit. UTF-16 code units
 * compare strings exactly, so no two different strings are equal.
 *
 * Why not `crypto.timingSafeEqual`: it needs both strings copied into Buffers first; on the
 * verify hot path those copies and the native call cost about as much as all the rest of the
 * non-HMAC work (measured with bench/signing.ts), for the same guarantee. The Standard Webhooks
 * reference library compares the same way.
 */
export function constantTimeEqual(received: string, expected: string): boolean {
  return constantTimeEqualAt(received, 0, received.length, expected)
}

/**
 * {@link constantTimeEqual} for the part `[start, end)` of `text`, so a signature can be compared
 * where it stands in its header without slicing it out.
 */
export function constantTimeEqualAt(text: string, start: number, end: number, expected: string): boolean {
  const length = expected.length
  if (end - start !== length) return false
  let difference = 0
  for (let i = 0; i < length; i++) difference |= text.charCodeAt(start + i) ^ expected.charCodeAt(i)
  return difference === 0
}
