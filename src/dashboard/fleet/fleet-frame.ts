import type { LiveCounter, LiveEvent, LiveFrame } from '../live-feed.js'
import { MAX_LIVE_PAYLOAD_BYTES } from './live-channel.js'

/** A frame as published on the fleet channel: compact, bounded, tagged with the publishing process. */
export interface FleetFrame {
  v: 1
  /** The publishing relay instance (see `originOf`). */
  o: string
  /** Non-zero counts only. */
  c: Partial<Record<LiveCounter, number>>
  e: LiveEvent[]
  d: number
  ci: LiveFrame['circuits']
}

/** Strings in published events are cut to this many characters (errors, URLs): the feed shows a line each. */
const MAX_TEXT = 200

function shorten(event: LiveEvent): LiveEvent {
  const data: LiveEvent['data'] = {}
  for (const [key, value] of Object.entries(event.data)) data[key] = typeof value === 'string' ? value.slice(0, MAX_TEXT) : value
  return { ...event, data }
}

/**
 * Encodes `frame` for the channel, under `MAX_LIVE_PAYLOAD_BYTES`: the oldest listed events are
 * left out (and counted as dropped) until it fits. Counts and circuit changes are always sent.
 */
export function encodeFleetFrame(origin: string, frame: LiveFrame): string {
  const counts: FleetFrame['c'] = {}
  for (const [name, n] of Object.entries(frame.counts) as [LiveCounter, number][]) if (n > 0) counts[name] = n
  const events = frame.events.map(shorten)
  let dropped = frame.dropped
  for (;;) {
    const payload = JSON.stringify({ v: 1, o: origin, c: counts, e: events, d: dropped, ci: frame.circuits } satisfies FleetFrame)
    if (Buffer.byteLength(payload) <= MAX_LIVE_PAYLOAD_BYTES || events.length === 0) return payload
    const cut = Math.max(1, Math.ceil(events.length / 4))
    events.splice(0, cut)
    dropped += cut
  }
}

/** Decodes a published frame; `null` for anything else (never trusted beyond its shape). */
export function decodeFleetFrame(payload: string): FleetFrame | null {
  try {
    const value = JSON.parse(payload) as Partial<FleetFrame> | null
    if (!value || value.v !== 1 || typeof value.o !== 'string' || typeof value.c !== 'object' || !Array.isArray(value.e)) return null
    return { v: 1, o: value.o, c: value.c ?? {}, e: value.e, d: Number(value.d) || 0, ci: value.ci && typeof value.ci === 'object' ? value.ci : {} }
  } catch {
    return null
  }
}
