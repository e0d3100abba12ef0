/**
 * CPU per delivery. The client's is `process.cpuUsage()` of this process over the timed phase (the
 * receiver runs in its own process and is not in it). The Postgres server's is read from
 * /proc/<pid>/stat of the backends serving this contender (found by their `application_name`,
 * which each contender's connection string carries), summed from before to after the timed phase:
 * other sessions' backends on the shared server are not counted, nor are its background processes
 * (WAL writer, checkpointer, autovacuum), which every client of the server shares.
 */
import { readFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
import pg from 'pg'
import { env } from './env.js'

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU (user + system) of this process, in µs, between start() and stop(). */
export function clientCpu(): { stop(): number } {
  const start = process.cpuUsage()
  return {
    stop() {
      const d = process.cpuUsage(start)
      return d.user + d.system
    },
  }
}

/** utime + stime of a process, in µs; undefined when it is gone or unreadable. */
export function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After the command: state(0) ppid … utime is field 14 of the whole line, index 11 here.
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** Resident set size of a process, in bytes (VmRSS), and its peak (VmHWM). */
export function processMemory(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { rss: kb('VmRSS'), peak: kb('VmHWM') }
  } catch {
    return undefined
  }
}

/**
 * Measures the server CPU of the backends whose application_name is `applicationName`. Backends
 * first seen at stop() started during the phase and count whole.
 */
export class PostgresServerCpu {
  readonly #pool = new pg.Pool({ connectionString: env.postgresUrl, max: 1, application_name: 'hookrelay-bench-monitor' })
  #before = new Map<number, number>()
  #readable = true

  constructor(readonly applicationName: string) {}

  async #backends(): Promise<Map<number, number>> {
    const { rows } = await this.#pool.query<{ pid: number }>(
      'select pid from pg_stat_activity where application_name = $1',
      [this.applicationName],
    )
    const cpu = new Map<number, number>()
    for (const { pid } of rows) {
      const micros = processCpuMicros(pid)
      if (micros === undefined) this.#readable = false
      else cpu.set(pid, micros)
    }
    return cpu
  }

  async start(): Promise<void> {
    this.#before = await this.#backends()
  }

  /** µs of server CPU since start(); undefined when the backends' /proc entries cannot be read. */
  async stop(): Promise<number | undefined> {
    const after = await this.#backends()
    if (!this.#readable) return undefined
    let total = 0
    for (const [pid, micros] of after) total += micros - (this.#before.get(pid) ?? 0)
    return total
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}
