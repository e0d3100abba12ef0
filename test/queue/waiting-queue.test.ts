import { describe, expect, it } from 'vitest'
import { WaitingQueue } from '../../src/queue/waiting-queue.js'

describe('WaitingQueue (claimed ahead, waiting for a slot)', () => {
  it('stays as small as what waits at once when it never drains', () => {
    // As under steady load with claiming ahead: a batch always waits, and items go through it.
    const queue = new WaitingQueue<number>()
    let next = 0
    let expected = 0
    const wrong: string[] = []
    for (let i = 0; i < 50; i++) queue.push(next, next++)
    for (let round = 0; round < 2_000; round++) {
      for (let i = 0; i < 25; i++) {
        const since = queue.oldestSince()
        const item = queue.shift()
        if (item !== expected || since !== expected) wrong.push(`${expected}: got ${item} claimed at ${since}`)
        expected++
      }
      for (let i = 0; i < 25; i++) queue.push(next, next++)
      if (queue.size !== 50) wrong.push(`round ${round}: ${queue.size} waiting`)
    }
    expect(wrong).toEqual([])
    expect(expected).toBe(50_000)
    // Without dropping the consumed prefix the arrays would hold all 50,050 items that went through.
    expect(queue.capacity).toBeLessThan(1_000)
  })

  it('empties to nothing, and answers no oldest time when empty', () => {
    const queue = new WaitingQueue<string>()
    expect(queue.oldestSince()).toBeUndefined()
    queue.push('a', 1)
    queue.push('b', 2)
    expect(queue.shift()).toBe('a')
    expect(queue.oldestSince()).toBe(2)
    expect(queue.shift()).toBe('b')
    expect(queue.size).toBe(0)
    expect(queue.capacity).toBe(0)
    expect(queue.oldestSince()).toBeUndefined()
  })

  it('takes the items a predicate selects and keeps the others in order, with their times', () => {
    const queue = new WaitingQueue<{ endpoint: string; n: number }>()
    for (let n = 0; n < 600; n++) queue.push({ endpoint: n % 3 === 0 ? 'ep_a' : 'ep_b', n }, 1_000 + n)
    for (let i = 0; i < 300; i++) queue.shift()
    const taken = queue.take((item) => item.endpoint === 'ep_a')
    expect(taken.map((item) => item.n)).toEqual(Array.from({ length: 100 }, (_, i) => 300 + 3 * i))
    expect(queue.size).toBe(200)
    expect(queue.oldestSince()).toBe(1_301)
    const rest: number[] = []
    while (queue.size > 0) rest.push(queue.shift().n)
    expect(rest).toEqual(Array.from({ length: 300 }, (_, i) => 300 + i).filter((n) => n % 3 !== 0))
  })
})
