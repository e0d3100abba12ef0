/** The relay settings every scenario shares: short schedules so the demo fits in well under a minute. */
import { createRelay, type Relay, type RelayOptions } from '../index.js'
import type { Backend } from './backend.js'

/** Errors hookrelay reported through its `error` event (it recovered from each); printed in the summary. */
export const relayErrors: Array<{ relay: string; context: string; message: string }> = []

/** Called with every relay a scenario creates (`--dashboard` forwards their events to its own relay). */
export const relayCreated = new Set<(relay: Relay) => void>()

/**
 * A relay named `name` on its own storage from `backend`, with:
 * - `network.allowPrivate`: every receiver in the demo is on 127.0.0.1, which the SSRF guard
 *   refuses by default (leave it off in production);
 * - a retry schedule of 100/200/400 ms without jitter (the default is 5s, 5m, 30m, … over ~28 h);
 * - workers polling every 100 ms (default 1 s), though a send in the same process wakes them at once;
 * - 2 s for in-flight attempts on stop().
 */
export function demoRelay(backend: Backend, name: string, options: Partial<RelayOptions> = {}): Relay {
  const relay = createRelay({
    ...backend.parts(name),
    network: { allowPrivate: true },
    retry: { schedule: ['100ms', '200ms', '400ms'], jitter: 0 },
    delivery: { pollInterval: '100ms', timeout: '5s' },
    stopTimeout: '2s',
    ...options,
  })
  relay.on('error', ({ context, error }) => relayErrors.push({ relay: name, context, message: error.message }))
  for (const created of relayCreated) created(relay)
  return relay
}
