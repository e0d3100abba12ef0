import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A fixture of test/chaos/fixtures running in its own `node --import tsx` process. */
export interface WorkerProcess {
  /** Resolves once the fixture printed "ready". */
  readonly ready: Promise<void>
  /** SIGKILL; resolves with the signal the process died of. */
  kill(): Promise<NodeJS.Signals | null>
  /** SIGTERM (a graceful stop), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>
}

export function spawnWorker(fixture: string, env: Record<string, string>): WorkerProcess {
  const path = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') resolve()
    })
    void exited.then(() => reject(new Error(`${fixture} exited before it was ready`)))
  })
  ready.catch(() => undefined)
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    ready,
    async kill() {
      if (running()) child.kill('SIGKILL')
      return exited
    },
    async stop(timeoutMs = 10_000) {
      if (!running()) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      await exited
      clearTimeout(timer)
    },
  }
}
