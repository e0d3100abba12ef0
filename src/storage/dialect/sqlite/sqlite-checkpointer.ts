import { Worker } from 'node:worker_threads'
import type { SqliteDatabase } from 'kysely'
import { resolveOptionalPeer } from '../../load-peer.js'

/** What the checkpoint worker needs; passed as its `workerData`. */
export interface CheckpointWorkerData {
  /** Absolute path of the database file. */
  filename: string
  /** Resolved path of `better-sqlite3`, which the worker loads itself. */
  modulePath: string
  /** Time between passive checkpoints. */
  intervalMs: number
  /** A WAL longer than this after a passive checkpoint is restarted (briefly holding off writers). */
  maxWalBytes: number
  /** The main connection's `synchronous` (the checkpoint's fsyncs depend on it). */
  synchronous: 'NORMAL' | 'FULL'
}

/** Background checkpoints of one database file; `close()` before closing the main connection. */
export interface BackgroundCheckpoints {
  /** `'background'` while the worker runs; `'auto'` if it could not start or failed (SQLite checkpoints in commits again). */
  readonly mode: 'background' | 'auto'
  close(): Promise<void>
}

/** SQLite's default `wal_autocheckpoint`, in pages, restored when the worker fails. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000
const CLOSE_TIMEOUT_MS = 2_000

/**
 * The worker, as CommonJS source: the package is bundled (ESM and CJS), so the worker cannot be a
 * file of its own. It opens its own connection to the file and runs `wal_checkpoint(PASSIVE)` on
 * an interval: copying WAL frames into the database and the fsyncs then happen on this thread,
 * not inside a commit on the event loop. PASSIVE never waits for or blocks the main connection.
 *
 * SQLite only starts the WAL over when a write begins while every frame is checkpointed, which a
 * steady stream of writes never allows (frames arrive while the checkpoint runs): the log would
 * grow for ever. So when it is longer than `maxWalBytes` after a passive checkpoint, a RESTART
 * follows at once: it holds off writers while it copies the few frames written meanwhile and
 * syncs, then the next write starts the log over (and truncates the file to `journal_size_limit`,
 * which `sqliteStorage` sets on a file it opens). It waits at most 100 ms for readers; a busy one
 * is retried 30 intervals later.
 *
 * A full disk (SQLITE_FULL) or an I/O error is expected to pass once space is freed, and then a
 * checkpoint is what makes room in the log again: those are retried with a growing pause (up to
 * 64 intervals), never given up, or a relay would stay unable to write until restarted. Five other
 * failures in a row end the worker with an error naming SQLite's code: the main thread returns to
 * automatic checkpoints.
 */
const WORKER_SOURCE = `
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.modulePath)
const db = new Database(workerData.filename, { fileMustExist: true })
db.pragma('busy_timeout = 100')
db.pragma('synchronous = ' + workerData.synchronous)
const pageSize = Number(db.pragma('page_size', { simple: true }))
let failures = 0
let restartAfter = 0
let ticks = 0
let pauseUntil = 0
const timer = setInterval(() => {
  ticks++
  if (ticks < pauseUntil) return
  try {
    const row = db.pragma('wal_checkpoint(PASSIVE)')[0]
    if (ticks >= restartAfter && row.log * pageSize > workerData.maxWalBytes) {
      restartAfter = db.pragma('wal_checkpoint(RESTART)')[0].busy ? ticks + 30 : 0
    }
    failures = 0
  } catch (error) {
    failures++
    const code = String((error && error.code) || '')
    if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR')) {
      pauseUntil = ticks + Math.min(64, 2 ** failures)
      return
    }
    if (failures >= 5) {
      clearInterval(timer)
      // Structured-cloned to the main thread as a plain object: keep the code in the message.
      throw new Error((code ? code + ': ' : '') + String((error && error.message) || error))
    }
  }
}, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'close') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/**
 * Moves WAL checkpoints of `database` (the main connection to `filename`, in WAL mode) to a worker
 * thread: turns `wal_autocheckpoint` off on the main connection and starts the worker, unref'd.
 * If the worker cannot start or fails later, automatic checkpoints are turned back on and a
 * warning is emitted; nothing throws.
 */
export function startBackgroundCheckpoints(
  database: SqliteDatabase,
  options: Omit<CheckpointWorkerData, 'modulePath'>,
): BackgroundCheckpoints {
  let mode: 'background' | 'auto' = 'background'
  let closing = false
  let exited: Promise<void> = Promise.resolve()
  let worker: Worker | undefined

  const fallBack = (error: unknown) => {
    if (mode === 'auto' || closing) return
    mode = 'auto'
    try {
      database.prepare(`PRAGMA wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`).run([])
    } catch {
      // The connection is closing or closed: nothing left to checkpoint from here.
    }
    process.emitWarning(
      `hookrelay: background WAL checkpoints of ${options.filename} stopped (${(error as Error)?.message ?? String(error)}); SQLite checkpoints inside commits again.`,
      { code: 'HOOKRELAY_SQLITE_CHECKPOINT' },
    )
    void worker?.terminate().catch(() => undefined)
  }

  try {
    const modulePath = resolveOptionalPeer('better-sqlite3', 'sqliteStorage() background checkpoints')
    const workerData: CheckpointWorkerData = { ...options, modulePath }
    database.prepare('PRAGMA wal_autocheckpoint = 0').run([])
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData })
    worker.unref()
    worker.on('error', fallBack)
    exited = new Promise((resolve) => {
      worker!.once('exit', (code) => {
        if (code !== 0) fallBack(new Error(`the checkpoint worker exited with code ${code}`))
        resolve()
      })
    })
  } catch (error) {
    fallBack(error)
  }

  return {
    get mode() {
      return mode
    },
    async close() {
      if (closing) return exited
      closing = true
      if (!worker) return
      // Referenced again so that the process waits for the worker to close its connection.
      worker.ref()
      worker.postMessage('close')
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => resolve(worker!.terminate().then(() => undefined)), CLOSE_TIMEOUT_MS)
      })
      await Promise.race([exited, timeout])
      clearTimeout(timer)
    },
  }
}
