/** hookrelay as a contender: sendMany n messages to one endpoint (workers off), then a worker relay drains them. */
import { createTarget, DIALECT_LABEL, enqueue, type Dialect } from '../support/hookrelay.js'
import { signal, type Contender } from './contender.js'

export function hookrelayContender(dialect: Dialect, dir: string): Contender {
  // The target is made per prepare(); its application name is known in advance by its number.
  let applicationName: string | undefined
  return {
    name: DIALECT_LABEL[dialect],
    get applicationName() {
      return applicationName
    },
    async prepare(n, url) {
      const target = createTarget(dialect, dir)
      applicationName = target.applicationName
      await enqueue(target, url, n)
      const worker = target.relay()
      const finished = signal()
      let delivered = 0
      worker.on('delivery.succeeded', () => {
        if (++delivered === n) finished.resolve()
      })
      return {
        start: () => worker.start({ migrate: false }),
        done: finished.promise,
        async close() {
          await worker.stop()
          await target.cleanup()
        },
      }
    },
  }
}
