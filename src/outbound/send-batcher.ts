import { BatchWriter } from '../core/batch-writer.js'

/** One caller's outcome inside a coalesced batch. */
type Outcome<R> = { ok: true; results: R[] } | { ok: false; error: unknown }

/**
 * Coalesces concurrent `send()` calls made outside a caller's transaction: the groups of events
 * submitted in the same I/O turn (a `send()` is a group of one, a small `sendMany()` a group) are
 * written by one `write` — one transaction, one commit — and while it runs the next batch
 * accumulates. With 32 callers that is about one commit per 32 messages instead of 32.
 *
 * A group stays all-or-nothing, and one bad group never fails its neighbours: when the batch's
 * write fails, each group is written again on its own (nothing of the failed batch was committed),
 * so every caller gets either its results or the error of its own write.
 */
export class SendBatcher<TItem, TResult> {
  readonly #writer: BatchWriter<TItem[], Outcome<TResult>>

  /** `write` writes the items of many groups in one transaction; results in input order. */
  constructor(write: (items: TItem[]) => Promise<TResult[]>, options: { maxGroups?: number } = {}) {
    this.#writer = new BatchWriter(
      async (groups: TItem[][]): Promise<Outcome<TResult>[]> => {
        try {
          const results = await write(groups.flat())
          let offset = 0
          return groups.map((group) => {
            const mine = results.slice(offset, offset + group.length)
            offset += group.length
            return { ok: true, results: mine }
          })
        } catch (error) {
          if (groups.length === 1) return [{ ok: false, error }]
          const outcomes: Outcome<TResult>[] = []
          for (const group of groups) {
            try {
              outcomes.push({ ok: true, results: await write(group) })
            } catch (own) {
              outcomes.push({ ok: false, error: own })
            }
          }
          return outcomes
        }
      },
      { maxBatch: options.maxGroups ?? 256 },
    )
  }

  /** Writes `group` with whatever else arrives in the same turn; rejects with this group's own error. */
  async add(group: TItem[]): Promise<TResult[]> {
    const outcome = await this.#writer.add(group)
    if (!outcome.ok) throw outcome.error
    return outcome.results
  }

  /** Resolves once everything added so far is written (or failed). */
  drain(): Promise<void> {
    return this.#writer.drain()
  }
}
