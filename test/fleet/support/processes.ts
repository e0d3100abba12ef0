import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A child process running a fixture with `node --import tsx`, read line by line. */
export interface FixtureProcess {
  readonly child: ChildProcess
  /** Every stdout line so far. */
  readonly lines: string[]
  /** Resolves with the first line matching `match` (already printed or to come). */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Writes one JSON line to its stdin. */
  send(message: unknown): void
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>
  /** SIGTERM (a graceful stop), then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
}

export function spawnFixture(name: string, env: Record<string, string>): FixtureProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fixturePath(name)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines: string[] = []
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line)
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  child.stdin!.on('error', () => undefined)
  return {
    child,
    lines,
    waitForLine(match, timeoutMs = 20_000) {
      const found = lines.find(match)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no matching line within ${timeoutMs} ms`)), timeoutMs)
        const onExit = () => reject(new Error(`${name} exited before printing the expected line`))
        child.once('exit', onExit)
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer)
            child.removeListener('exit', onExit)
            resolve(line)
          },
        })
      })
    },
    send(message) {
      child.stdin!.write(`${JSON.stringify(message)}\n`)
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      await exited
      clearTimeout(timer)
    },
  }
}
