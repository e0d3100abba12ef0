import type { ClaimOptions } from '../storage/storage.js'
import { LocalCoordination } from './local-coordination.js'
import type { QueueContext, QueueDriver } from './queue-driver.js'

/**
 * The default driver: workers claim from the storage. A commit in this process wakes them at
 * once; where the storage can announce commits (Postgres LISTEN/NOTIFY), idle workers in other
 * processes wake within milliseconds too. Polling at `delivery.pollInterval` remains the guarantee.
 */
export function storagePolling(): QueueDriver {
  let context: QueueContext | null = null
  let unlisten: (() => Promise<void>) | null = null
  return {
    name: 'storage-polling',
    coordination: new LocalCoordination(),
    async start(ctx) {
      context = ctx
      if (ctx.storage.wakeups) {
        try {
          unlisten = await ctx.storage.wakeups.listen(ctx.onWake, (error) =>
            ctx.emit('error', { error, context: 'queue.listen' }),
          )
        } catch (error) {
          // Wake-ups are a hint; without them workers still poll.
          ctx.emit('error', { error: error as Error, context: 'queue.listen' })
        }
      }
    },
    notify() {
      context?.onWake()
    },
    rescheduled() {
      // The dispatcher wakes itself for retries it scheduled; other processes poll.
    },
    claim(options: ClaimOptions) {
      if (!context) throw new Error('storagePolling: claim() before start()')
      return context.storage.claimDeliveries(options)
    },
    async stop() {
      await unlisten?.()
      unlisten = null
      context = null
    },
  }
}
