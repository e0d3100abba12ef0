/**
 * BullMQ + undici: a queue on Redis (its own key prefix, obliterated and deleted afterwards), a
 * Worker with concurrency 64 POSTing each job. Jobs get 8 attempts with exponential backoff, as
 * webhook retries need; completed jobs are kept (BullMQ's default), its record of the delivery.
 */
import { randomBytes } from 'node:crypto'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { deleteKeys } from '../../test/fleet/support/redis-keys.js'
import { env, runTag } from '../support/env.js'
import { bodyOf, postSigned, receiverPool, signal, type Contender } from './contender.js'

export interface BullJob {
  id: string
  body: string
}

export const BULLMQ_PREFIX = `${runTag}:bullmq`

/** A queue of its own on the shared Redis; `close()` obliterates it and deletes its keys. */
export function bullQueue(): { queue: Queue<BullJob>; name: string; connection: Redis; close(): Promise<void> } {
  const name = `q${randomBytes(3).toString('hex')}`
  // BullMQ does not close connections handed to it: they are disconnected in close().
  const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue<BullJob>(name, {
    connection,
    prefix: BULLMQ_PREFIX,
    defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 5_000 } },
  })
  return {
    queue,
    name,
    connection,
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined)
      await queue.close()
      connection.disconnect()
      await deleteKeys(env.redisUrl, `${BULLMQ_PREFIX}:${name}:`)
    },
  }
}

export const bullmqContender: Contender = {
  name: 'BullMQ + undici',
  async prepare(n, url) {
    const q = bullQueue()
    for (let i = 0; i < n; i += 1_000) {
      await q.queue.addBulk(
        Array.from({ length: Math.min(1_000, n - i) }, (_, j) => ({ name: 'webhook', data: { id: `msg_${i + j}`, body: bodyOf(i + j) } })),
      )
    }
    const { pool, path } = receiverPool(url)
    const workerConnection = q.connection.duplicate()
    const finished = signal()
    let completed = 0
    const worker = new Worker<BullJob>(q.name, async (job) => postSigned(pool, path, job.data.id, job.data.body), {
      connection: workerConnection,
      prefix: BULLMQ_PREFIX,
      concurrency: env.concurrency,
      autorun: false,
    })
    worker.on('completed', () => {
      if (++completed === n) finished.resolve()
    })
    worker.on('failed', (_job, error) => finished.reject(error))
    worker.on('error', finished.reject)
    return {
      async start() {
        void worker.run()
      },
      done: finished.promise,
      async close() {
        await worker.close()
        workerConnection.disconnect()
        await q.close()
        await pool.close()
      },
    }
  },
}
