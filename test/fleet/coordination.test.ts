import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { eventually } from '../support/eventually.js'
import { REDIS_URL } from '../support/urls.js'
import { spawnFixture, type FixtureProcess } from './support/processes.js'
import { deleteKeys } from './support/redis-keys.js'

type Reply = Record<string, any>

/** The next reply of `op` printed by `process` after the first `skip` ones. */
function reply(process: FixtureProcess, op: string, skip: number, timeoutMs = 10_000): Promise<Reply> {
  let seen = 0
  return process
    .waitForLine((line) => {
      if ((JSON.parse(line) as Reply).op !== op) return false
      return seen++ === skip
    }, timeoutMs)
    .then((line) => JSON.parse(line) as Reply)
}

describe.skipIf(!inject('redisAvailable'))('fleet coordination through Redis, across 3 processes', () => {
  const keyPrefix = `hr_coord_${randomBytes(4).toString('hex')}:`
  let processes: FixtureProcess[] = []

  beforeAll(async () => {
    processes = [0, 1, 2].map(() =>
      spawnFixture('coordination-worker.ts', { HOOKRELAY_COORDINATION: JSON.stringify({ url: REDIS_URL, keyPrefix }) }),
    )
    await Promise.all(processes.map((p) => reply(p, 'ready', 0, 20_000)))
    // Pub/sub reaches only subscriptions already in place: wait until all three listen for circuits.
    const watcher = new Redis(REDIS_URL)
    try {
      await eventually(async () => {
        const channels = ((await watcher.pubsub('CHANNELS', `${keyPrefix}*circuit`)) as string[])
        expect(channels).toHaveLength(1)
        const [, count] = (await watcher.pubsub('NUMSUB', channels[0]!)) as [string, number]
        expect(Number(count)).toBe(3)
      }, 20_000)
    } finally {
      watcher.disconnect()
    }
  })
  afterAll(async () => {
    for (const p of processes) p.send({ op: 'exit' })
    await Promise.all(processes.map((p) => p.stop(5_000)))
    await deleteKeys(REDIS_URL, keyPrefix)
  })

  it('tells the other processes (not the publisher) when a circuit opens and closes, and stores it for late joiners', async () => {
    const [a, b, c] = processes as [FixtureProcess, FixtureProcess, FixtureProcess]
    const until = Date.now() + 10_000
    a.send({ op: 'publish', endpointId: 'ep_circuit', state: 'open', until })
    const [fromB, fromC] = await Promise.all([reply(b, 'circuit', 0), reply(c, 'circuit', 0)])
    expect(fromB).toEqual({ op: 'circuit', endpointId: 'ep_circuit', state: 'open', until })
    expect(fromC).toEqual(fromB)
    c.send({ op: 'read', endpointId: 'ep_circuit' })
    expect((await reply(c, 'read', 0)).circuit).toEqual({ state: 'open', until })

    b.send({ op: 'publish', endpointId: 'ep_circuit', state: 'closed', until: null })
    const [closedA, closedC] = await Promise.all([reply(a, 'circuit', 0), reply(c, 'circuit', 1)])
    expect(closedA).toEqual({ op: 'circuit', endpointId: 'ep_circuit', state: 'closed', until: null })
    expect(closedC.state).toBe('closed')
    a.send({ op: 'read', endpointId: 'ep_circuit' })
    expect((await reply(a, 'read', 0)).circuit).toBeNull()
    // The publisher never hears its own messages.
    expect(a.lines.filter((l) => l.includes('"op":"circuit"')).map((l) => JSON.parse(l).state)).toEqual(['closed'])
    expect(b.lines.filter((l) => l.includes('"op":"circuit"')).map((l) => JSON.parse(l).state)).toEqual(['open'])
  })

  it('grants the half-open probe to exactly one of 3 concurrent callers', async () => {
    for (let round = 0; round < 5; round++) {
      for (const p of processes) p.send({ op: 'probe', endpointId: `ep_probe_${round}`, ttlMs: 5_000 })
      const answers = await Promise.all(processes.map((p) => reply(p, 'probe', round)))
      expect(answers.filter((a) => a.acquired)).toHaveLength(1)
    }
  })

  it('holds a 50/s rate limit within 10% across the 3 processes', async () => {
    // Three whole one-second windows, starting on the next second boundary.
    const from = Math.ceil((Date.now() + 500) / 1000) * 1000
    const to = from + 3_000
    for (const p of processes) p.send({ op: 'rate', endpointId: 'ep_rate', max: 50, perMs: 1_000, from, to })
    const answers = await Promise.all(processes.map((p) => reply(p, 'rate', 0, 15_000)))
    const allowed = answers.flatMap((a) => a.allowed as number[])
    const perSecond = new Map<number, number>()
    for (const at of allowed) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1)
    expect([...perSecond.keys()].sort()).toEqual([from / 1000, from / 1000 + 1, from / 1000 + 2])
    for (const count of perSecond.values()) {
      expect(count).toBeGreaterThanOrEqual(45)
      expect(count).toBeLessThanOrEqual(55)
    }
    expect(Math.abs(allowed.length - 150)).toBeLessThanOrEqual(15)
    // Every process got a share: the limit is shared, not per process.
    for (const a of answers) expect((a.allowed as number[]).length).toBeGreaterThan(0)
  })
})
