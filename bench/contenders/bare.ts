/** The baseline: an undici Pool, 64 loops POSTing signed bodies, nothing durable. */
import { env } from '../support/env.js'
import { bodyOf, postSigned, receiverPool, signal, type Contender } from './contender.js'

export const bareLoop: Contender = {
  name: 'bare undici Pool loop',
  async prepare(n, url) {
    const { pool, path } = receiverPool(url)
    const bodies = Array.from({ length: n }, (_, i) => bodyOf(i))
    const finished = signal()
    let next = 0
    const loop = async () => {
      while (next < n) {
        const i = next++
        await postSigned(pool, path, `msg_${i}`, bodies[i]!)
      }
    }
    return {
      async start() {
        Promise.all(Array.from({ length: env.concurrency }, loop)).then(finished.resolve, finished.reject)
      },
      done: finished.promise,
      close: () => pool.close(),
    }
  },
}
