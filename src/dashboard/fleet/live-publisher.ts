import { toError } from '../../core/emitter.js'
import type { Relay } from '../../relay.js'
import { LiveFeed } from '../live-feed.js'
import { encodeFleetFrame } from './fleet-frame.js'
import { liveChannelOf, originOf } from './live-channel.js'

/** How often a worker process publishes what it did (only intervals with events are published). */
const PUBLISH_INTERVAL_MS = 250
/** Events listed per published frame; all are counted. */
const EVENTS_PER_FRAME = 30

/**
 * Publishes this process's relay events on the fleet's live channel: one compact frame per
 * interval with events (counts, the latest events, circuit changes), so a dashboard in another
 * process shows what the workers here do. Nothing is published while idle; on SQLite (no channel)
 * nothing starts. At most one publish is in flight: a frame ready while the previous one is still
 * being sent is skipped rather than queued, so a slow database never grows memory here.
 * Returns the stop function.
 */
export function startLivePublisher(relay: Relay): () => Promise<void> {
  const channel = liveChannelOf(relay)
  if (!channel) return async () => undefined
  const origin = originOf(relay)
  const feed = new LiveFeed(relay, { intervalMs: PUBLISH_INTERVAL_MS, maxEvents: EVENTS_PER_FRAME })
  let sending: Promise<void> | null = null
  let failing = false
  const unsubscribe = feed.subscribe((frame) => {
    const idle = frame.events.length === 0 && Object.values(frame.counts).every((n) => n === 0)
    if (idle || sending) return
    sending = channel
      .publish(encodeFleetFrame(origin, frame))
      .then(() => {
        failing = false
      })
      .catch((error: unknown) => {
        // Once per outage, not four times a second: the live feed is a view, delivery goes on.
        if (!failing) relay.emit('error', { error: toError(error), context: 'dashboard.live.publish' })
        failing = true
      })
      .finally(() => {
        sending = null
      })
  })
  return async () => {
    unsubscribe()
    await sending
  }
}
