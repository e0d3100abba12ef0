import type { QueueDriver } from './queue-driver.js'

/**
 * The default driver: workers poll the storage, and a `send()` in this process wakes them at once.
 * Other processes pick new work up on their next poll.
 */
export function storagePolling(): QueueDriver {
  let wake: (() => void) | null = null
  return {
    name: 'storage-polling',
    async start(onWake) {
      wake = onWake
    },
    notify() {
      wake?.()
    },
    async stop() {
      wake = null
    },
  }
}
