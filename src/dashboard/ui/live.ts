import { useEffect, useState } from 'preact/hooks'
import type { LiveEvent, LiveFrame } from './types.js'

/** Seconds of throughput kept for the chart. */
export const HISTORY_SECONDS = 120
/** Events kept for the feed. */
const FEED_SIZE = 200

export interface Second {
  at: number
  succeeded: number
  failed: number
  deferred: number
}

interface LiveState {
  connected: boolean
  seconds: Second[]
  events: LiveEvent[]
  dropped: number
  circuits: Record<string, string>
  version: number
}

const state: LiveState = { connected: false, seconds: [], events: [], dropped: 0, circuits: {}, version: 0 }
const listeners = new Set<() => void>()
let source: EventSource | null = null

function bucket(at: number): Second {
  const second = Math.floor(at / 1000) * 1000
  let last = state.seconds[state.seconds.length - 1]
  if (!last || last.at < second) {
    last = { at: second, succeeded: 0, failed: 0, deferred: 0 }
    state.seconds.push(last)
    if (state.seconds.length > HISTORY_SECONDS) state.seconds.splice(0, state.seconds.length - HISTORY_SECONDS)
  }
  return last
}

function changed(): void {
  state.version++
  for (const listener of listeners) listener()
}

function onFrame(frame: LiveFrame): void {
  const second = bucket(frame.at)
  second.succeeded += frame.counts.succeeded ?? 0
  second.failed += frame.counts.failed ?? 0
  second.deferred += frame.counts.deferred ?? 0
  for (const event of frame.events) state.events.unshift(event)
  if (state.events.length > FEED_SIZE) state.events.length = FEED_SIZE
  state.dropped += frame.dropped
  Object.assign(state.circuits, frame.circuits)
  changed()
}

/** Opens the live feed once for the whole app (EventSource reconnects by itself). */
export function connectLive(): void {
  if (source) return
  source = new EventSource('api/events')
  source.addEventListener('open', () => {
    state.connected = true
    changed()
  })
  source.addEventListener('error', () => {
    state.connected = false
    changed()
  })
  source.addEventListener('frame', (message) => onFrame(JSON.parse((message as MessageEvent<string>).data) as LiveFrame))
  // Quiet seconds still move the chart along.
  setInterval(() => {
    bucket(Date.now())
    changed()
  }, 1000)
}

/** The live state; re-renders the component on every frame. */
export function useLive(): LiveState {
  const [, setVersion] = useState(0)
  useEffect(() => {
    const listener = () => setVersion(state.version)
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }, [])
  return state
}
