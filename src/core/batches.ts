import { ValidationError } from './errors.js'
import type { BulkOptions, BulkResult } from './operations.js'

/** A page of ids (the shape of the storage's id listings). */
interface Page<T> {
  data: T[]
  nextCursor: string | null
}

/** Rows per batch of bulk operations unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 500
const MAX_BATCH_SIZE = 1000

export function batchSizeOf(options: { batchSize?: number } | undefined): number {
  const size = options?.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) {
    throw new ValidationError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}; got ${String(options?.batchSize)}.`, [
      { path: ['batchSize'], message: `must be an integer from 1 to ${MAX_BATCH_SIZE}` },
    ])
  }
  return size
}

/**
 * Walks the ids `page` returns, newest first, and hands each batch to `apply`, which returns the
 * ids it changed. Each batch is its own short statement: no long transaction, no long lock. The
 * cursor only moves towards older ids, so a row changed by an earlier batch is never seen again.
 */
export async function inBatches(
  page: (cursor: string | null, limit: number) => Promise<Page<string>>,
  apply: (ids: string[]) => Promise<string[]>,
  options: BulkOptions = {},
): Promise<BulkResult> {
  const limit = batchSizeOf(options)
  const result: BulkResult = { matched: 0, changed: 0 }
  let cursor: string | null = null
  do {
    const ids: Page<string> = await page(cursor, limit)
    if (ids.data.length > 0) {
      const changed = await apply(ids.data)
      result.matched += ids.data.length
      result.changed += changed.length
      options.onProgress?.({ ...result })
    }
    cursor = ids.nextCursor
  } while (cursor !== null)
  return result
}
