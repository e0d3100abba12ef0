import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { TailFeed } from '../../src/cli/tail/tail-feed.js'
import { createRelay, sqliteStorage } from '../../src/index.js'

const work = mkdtempSync(path.join(tmpdir(), 'hookrelay-tail-feed-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

it('prints a dead letter that died while the first poll was on its way, not one that died before the tail started', async () => {
  let clock = 1_000_000
  const relay = createRelay({
    storage: sqliteStorage({ filename: path.join(work, 'feed.db') }),
    network: { allowPrivate: true },
    retry: { schedule: [] }, // one attempt, then the dead-letter queue
    delivery: { pollInterval: '50ms' },
    now: () => clock,
    logger: false,
  })
  await relay.start()
  try {
    // Port 9 (discard) on localhost refuses connections: each message dies at its first attempt.
    await relay.endpoints.create({ url: 'http://127.0.0.1:9/hook' })
    const died = (messageId: string) =>
      new Promise<void>((resolve) => relay.on('delivery.dead', (e) => e.messageId === messageId && resolve()))
    const before = await relay.send({ type: 'order.created', data: { n: 1 } })
    await died(before.messageId)

    clock += 60_000
    const feed = new TailFeed(relay, { now: () => clock })
    const during = await relay.send({ type: 'order.created', data: { n: 2 } })
    await died(during.messageId) // before the tail's first poll
    const dead = (await feed.poll()).filter((e) => e.event === 'delivery.dead')
    expect(dead.map((e) => 'messageId' in e && e.messageId)).toEqual([during.messageId])
    expect((await feed.poll()).filter((e) => e.event === 'delivery.dead')).toEqual([])
  } finally {
    await relay.stop()
  }
})
