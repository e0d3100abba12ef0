import { describe, expect, it } from 'vitest'
import { BatchWriter } from '../../src/core/batch-writer.js'

describe('BatchWriter', () => {
  it('writes items added in the same turn as one batch, and returns each its own result', async () => {
    const batches: number[][] = []
    const writer = new BatchWriter(async (items: number[]) => {
      batches.push(items)
      return items.map((i) => i * 10)
    })
    const results = await Promise.all([1, 2, 3].map((i) => writer.add(i)))
    expect(results).toEqual([10, 20, 30])
    expect(batches).toEqual([[1, 2, 3]])
  })

  it('collects what arrives during a write into the next batch, up to maxBatch', async () => {
    const batches: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const writer = new BatchWriter(
      async (items: number[]) => {
        batches.push(items)
        if (batches.length === 1) await gate
        return items.map(() => undefined)
      },
      { maxBatch: 2 },
    )
    const first = writer.add(1)
    await new Promise((resolve) => setImmediate(resolve))
    const later = [2, 3, 4].map((i) => writer.add(i))
    release()
    await Promise.all([first, ...later])
    expect(batches).toEqual([[1], [2, 3], [4]])
  })

  it('rejects every item of a failed batch and carries on with the next', async () => {
    let calls = 0
    const writer = new BatchWriter(async (items: string[]) => {
      calls++
      if (calls === 1) throw new Error('database went away')
      return items.map((i) => i.toUpperCase())
    })
    const failed = await Promise.allSettled([writer.add('a'), writer.add('b')])
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(await writer.add('c')).toBe('C')
    await writer.drain()
  })
})
