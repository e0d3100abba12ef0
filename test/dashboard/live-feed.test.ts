import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Relay } from '../../src/index.js'
import { LiveFeed, type LiveFrame } from '../../src/dashboard/live-feed.js'
import { startRelay } from './support/dashboard-app.js'

describe('live feed', () => {
  let relay: Relay
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    ;({ relay, cleanup } = await startRelay())
  })
  afterAll(async () => cleanup?.())

  it('counts every event of a blast but lists at most maxEvents per frame, and detaches when nobody watches', async () => {
    const feed = new LiveFeed(relay, { intervalMs: 50, maxEvents: 20 })
    const baseline = relay.listenerCount('message.created')
    const frames: LiveFrame[] = []
    const total = 3000
    let counted = 0
    let resolveAll: () => void
    const all = new Promise<void>((resolve) => (resolveAll = resolve))
    const stop = feed.subscribe((frame) => {
      frames.push(frame)
      counted += frame.counts.created
      if (counted >= total) resolveAll()
    })
    expect(relay.listenerCount('message.created')).toBe(baseline + 1)

    // One transaction, 3,000 message.created events emitted back to back.
    await relay.sendMany(Array.from({ length: total }, (_, i) => ({ type: 'blast.event', data: { i } })))
    await all
    stop()

    expect(counted).toBe(total)
    for (const frame of frames) {
      expect(frame.events.length).toBeLessThanOrEqual(20)
      // Whatever is not listed is still accounted for.
      const listed = frame.events.filter((e) => e.name === 'message.created').length
      expect(listed + frame.dropped).toBe(frame.counts.created + frame.counts.succeeded + frame.counts.failed + frame.counts.deferred + frame.counts.dead)
    }
    // The latest events are the ones kept.
    const last = frames.find((f) => f.counts.created > 0 && f.dropped > 0)!
    expect(last.events.at(-1)?.data.type).toBe('blast.event')
    expect(relay.listenerCount('message.created')).toBe(baseline)
    expect(feed.viewers).toBe(0)
  })
})
