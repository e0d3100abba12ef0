/**
 * Splits `values` into chunks whose sizes are powers of two up to `max` (500 rows → 256, 128,
 * 64, 32, 16, 4). A multi-row statement's text depends on its row count, and SQLite keeps a
 * prepared statement per text: with any size allowed, a producer sending batches of varied sizes
 * prepares (and caches) a new, large statement for nearly every batch. With these sizes a table
 * has at most log2(max) + 1 texts, and a batch of n rows takes at most as many statements.
 */
export function* powerOfTwoChunks<T>(values: readonly T[], max = 256): Generator<T[]> {
  let offset = 0
  while (offset < values.length) {
    let size = max
    while (size > values.length - offset) size >>= 1
    yield values.slice(offset, offset + size)
    offset += size
  }
}
