import type { RedisConnectionLike } from '../../queue/redis-client.js'
import { loadOptionalPeer } from '../../storage/load-peer.js'

interface IoredisModule {
  Redis: new (url: string, options: Record<string, unknown>) => RedisConnectionLike
}

/** A circuit change a worker published on the Redis driver's channel. */
export interface CircuitChange {
  endpointId: string
  state: 'open' | 'closed'
  /** When an open circuit may let a probe through (epoch ms). */
  until: number | null
}

export interface RedisTailOptions {
  /** `redis://…`, as given to `redisQueue({ redis })`. */
  url: string
  /** The driver's `keyPrefix` + the database id + `:` (the namespace of its keys and channels). */
  namespace: string
  /** A send (or a replay) announced new work: read the tables now. */
  onWake: () => void
  onCircuit: (change: CircuitChange) => void
  onError: (error: Error) => void
}

/**
 * Subscribes to the Redis driver's channels, as its workers do: `wake` (new work, a hint to read
 * the tables at once) and `circuit` (circuit changes, which no table row announces as they happen).
 * Resolves with the function that unsubscribes and closes the connection.
 */
export async function subscribeToRedis(options: RedisTailOptions): Promise<() => Promise<void>> {
  const { Redis } = loadOptionalPeer<IoredisModule>('ioredis', 'hookrelay tail --redis-url')
  const wake = `${options.namespace}wake`
  const circuit = `${options.namespace}circuit`
  const subscriber = new Redis(options.url, { connectionName: 'hookrelay-tail', maxRetriesPerRequest: null })
  subscriber.on('error', options.onError)
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === wake) return options.onWake()
    if (channel !== circuit) return
    try {
      const m = JSON.parse(message) as { e?: unknown; s?: unknown; u?: unknown }
      if (typeof m.e !== 'string' || (m.s !== 'open' && m.s !== 'closed')) return
      options.onCircuit({ endpointId: m.e, state: m.s, until: typeof m.u === 'number' ? m.u : null })
    } catch {
      // Not one of the driver's messages: nothing to show.
    }
  })
  await subscriber.subscribe(wake, circuit)
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect())
  }
}
