/**
 * pg-boss + undici: jobs in a fresh Postgres schema of their own (dropped afterwards). pg-boss 10's
 * `work()` waits its polling interval (at least 0.5 s) after every batch even when more jobs are
 * ready, which caps a worker at batchSize jobs per half second; so, as its README suggests for
 * throughput, the bench drives `fetch()`/`complete()` itself: 4 loops each fetching 16 jobs,
 * POSTing them at once and completing them in one call (64 in flight).
 */
import { randomBytes } from 'node:crypto'
import PgBoss from 'pg-boss'
import { dropSchemas, env, runTag, sleep } from '../support/env.js'
import { bodyOf, postSigned, receiverPool, signal, type Contender } from './contender.js'

const LOOPS = 4
let schemas = 0

/** A started pg-boss on a fresh schema with one queue; `close()` stops it and drops the schema. */
export async function pgBossSchema(applicationName: string): Promise<{ boss: PgBoss; queue: string; close(): Promise<void> }> {
  const schema = `${runTag}_pgboss${++schemas}`
  const boss = new PgBoss({
    connectionString: env.postgresUrl,
    application_name: applicationName,
    schema,
    max: 10,
    supervise: false,
    schedule: false,
  })
  boss.on('error', (error) => console.error('[pg-boss]', error.message))
  await boss.start()
  const queue = `webhooks_${randomBytes(3).toString('hex')}`
  await boss.createQueue(queue)
  return {
    boss,
    queue,
    async close() {
      await boss.stop({ graceful: false, wait: true, timeout: 5_000 })
      await dropSchemas([schema])
    },
  }
}

export const pgBossContender: Contender = {
  name: 'pg-boss + undici',
  applicationName: `${runTag}_pgboss`,
  async prepare(n, url) {
    const db = await pgBossSchema(`${runTag}_pgboss`)
    for (let i = 0; i < n; i += 500) {
      await db.boss.insert(
        Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ name: db.queue, data: { id: `msg_${i + j}`, body: bodyOf(i + j) }, retryLimit: 8 })),
      )
    }
    const { pool, path } = receiverPool(url)
    const finished = signal()
    let completed = 0
    let stopping = false
    const batch = Math.max(1, Math.floor(env.concurrency / LOOPS))
    const loop = async () => {
      while (!stopping && completed < n) {
        const jobs = await db.boss.fetch<{ id: string; body: string }>(db.queue, { batchSize: batch })
        if (jobs.length === 0) {
          await sleep(50)
          continue
        }
        await Promise.all(jobs.map((job) => postSigned(pool, path, job.data.id, job.data.body)))
        await db.boss.complete(db.queue, jobs.map((job) => job.id))
        completed += jobs.length
        if (completed >= n) finished.resolve()
      }
    }
    let loops: Promise<unknown> | undefined
    return {
      async start() {
        loops = Promise.all(Array.from({ length: LOOPS }, loop)).catch(finished.reject)
      },
      done: finished.promise,
      async close() {
        stopping = true
        await loops
        await pool.close()
        await db.close()
      },
    }
  },
}
