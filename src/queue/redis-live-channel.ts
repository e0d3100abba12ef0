import type { FleetBroadcast } from './queue-driver.js'
import { closeConnection } from './redis-client.js'
import type { RedisQueueConnection } from './redis-queue-connection.js'
import type { ResolvedOptions } from './redis-queue-options.js'

/**
 * The fleet's broadcast over Redis pub/sub, in the relay's key namespace (so relays on other
 * databases sharing the Redis are not mixed in). Publishing uses the command connection; each
 * subscription opens a connection of its own (a subscribed connection can send nothing else),
 * which ioredis subscribes again after a reconnection.
 */
export function redisLiveChannel(connection: RedisQueueConnection, options: ResolvedOptions): FleetBroadcast {
  return {
    async publish(payload) {
      const commands = await connection.ready()
      await commands.call('PUBLISH', connection.key('live'), payload)
    },
    async subscribe(onMessage, onError) {
      await connection.resolveNamespace()
      const channel = connection.key('live')
      const subscriber = options.factory({ ...connection.connectionOptions(), enableOfflineQueue: true, connectionName: 'hookrelay-live' })
      subscriber.on('error', onError)
      subscriber.on('message', (from: string, payload: string) => {
        if (from === channel) onMessage(payload)
      })
      try {
        await subscriber.subscribe(channel)
      } catch (error) {
        await closeConnection(subscriber, options.commandTimeoutMs)
        throw error
      }
      return async () => {
        if (subscriber.status === 'ready') await subscriber.unsubscribe(channel).catch(() => undefined)
        await closeConnection(subscriber, options.commandTimeoutMs)
      }
    },
  }
}
