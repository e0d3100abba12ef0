import { describe, expect, it } from 'vitest'
import type { InboundMessageRecord } from '../../src/core/types.js'
import { IntakeBatcher } from '../../src/inbound/intake-batcher.js'
import type { InboundInsertResult, Storage } from '../../src/storage/storage.js'
import { anInboundMessage } from '../contract/fixtures.js'

/** A storage whose batch insert records its calls and answers `inserted` unless told to fail. */
function fakeStorage(fail?: () => Error | undefined) {
  const calls: string[][] = []
  const storage = {
    async insertInboundMessages(messages: readonly InboundMessageRecord[]): Promise<InboundInsertResult[]> {
      calls.push(messages.map((m) => m.webhookId))
      const error = fail?.()
      if (error) throw error
      return messages.map(() => ({ inserted: true as const }))
    },
  } as unknown as Storage
  return { storage, calls }
}

describe('IntakeBatcher', () => {
  it('stores requests submitted in the same turn in one batch, in order', async () => {
    const { storage, calls } = fakeStorage()
    const batcher = new IntakeBatcher(storage)
    const results = await Promise.all(['a', 'b', 'c'].map((id) => batcher.insert(anInboundMessage({ webhookId: id }))))
    expect(results).toEqual([{ inserted: true }, { inserted: true }, { inserted: true }])
    expect(calls).toEqual([['a', 'b', 'c']])
  })

  it('writes a lone request at once, and what arrives during a write in the next batch', async () => {
    const { storage, calls } = fakeStorage()
    const batcher = new IntakeBatcher(storage)
    const first = batcher.insert(anInboundMessage({ webhookId: 'a' }))
    await new Promise((resolve) => setImmediate(resolve))
    const later = [batcher.insert(anInboundMessage({ webhookId: 'b' })), batcher.insert(anInboundMessage({ webhookId: 'c' }))]
    await Promise.all([first, ...later])
    expect(calls).toEqual([['a'], ['b', 'c']])
  })

  it('rejects every request of a failed batch and carries on with the next', async () => {
    let failures = 1
    const { storage, calls } = fakeStorage(() => (failures-- > 0 ? new Error('disk full') : undefined))
    const batcher = new IntakeBatcher(storage)
    const failed = await Promise.allSettled(['a', 'b'].map((id) => batcher.insert(anInboundMessage({ webhookId: id }))))
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('disk full'))
    expect(await batcher.insert(anInboundMessage({ webhookId: 'c' }))).toEqual({ inserted: true })
    await batcher.drain()
    expect(calls).toEqual([['a', 'b'], ['c']])
  })
})
