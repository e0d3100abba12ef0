/**
 * graphile-worker + undici: jobs in a fresh Postgres schema of their own (dropped afterwards), a
 * runner with concurrency 64 POSTing each job, with the batching its performance guide recommends
 * (a local queue of 64 jobs fetched at once, completions batched per tick).
 */
import { EventEmitter } from 'node:events'
import { Logger, makeWorkerUtils, run, type Runner, type WorkerEvents, type WorkerUtils } from 'graphile-worker'
import { dropSchemas, env, runTag, withApplicationName } from '../support/env.js'
import { bodyOf, postSigned, receiverPool, signal, type Contender } from './contender.js'

const silent = new Logger(() => () => undefined)
let schemas = 0

/** Worker utils on a fresh, migrated schema; `close()` releases them and drops the schema. */
export async function graphileSchema(applicationName: string): Promise<{
  utils: WorkerUtils
  schema: string
  connectionString: string
  close(): Promise<void>
}> {
  const schema = `${runTag}_graphile${++schemas}`
  const connectionString = withApplicationName(env.postgresUrl, applicationName)
  const utils = await makeWorkerUtils({ connectionString, schema, logger: silent })
  await utils.migrate()
  return {
    utils,
    schema,
    connectionString,
    async close() {
      await utils.release()
      await dropSchemas([schema])
    },
  }
}

export const graphileContender: Contender = {
  name: 'graphile-worker + undici',
  applicationName: `${runTag}_graphile`,
  async prepare(n, url) {
    const db = await graphileSchema(`${runTag}_graphile`)
    for (let i = 0; i < n; i += 500) {
      await db.utils.addJobs(
        Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ identifier: 'webhook', payload: { id: `msg_${i + j}`, body: bodyOf(i + j) } })),
      )
    }
    const { pool, path } = receiverPool(url)
    const finished = signal()
    let completed = 0
    let runner: Runner | undefined
    // Listening before run() starts the workers: no completion can be missed.
    const events = new EventEmitter() as WorkerEvents
    events.on('job:success', () => {
      if (++completed === n) finished.resolve()
    })
    events.on('job:failed', ({ error }) => finished.reject(error))
    return {
      async start() {
        runner = await run({
          events,
          connectionString: db.connectionString,
          schema: db.schema,
          concurrency: env.concurrency,
          maxPoolSize: env.concurrency + 2,
          noHandleSignals: true,
          pollInterval: 100,
          logger: silent,
          preset: { worker: { localQueue: { size: env.concurrency }, completeJobBatchDelay: 0 } },
          taskList: {
            webhook: async (payload) => {
              const { id, body } = payload as { id: string; body: string }
              await postSigned(pool, path, id, body)
            },
          },
        })
      },
      done: finished.promise,
      async close() {
        await runner?.stop()
        await pool.close()
        await db.close()
      },
    }
  },
}
