/** Starts bench/receiver-process.ts in its own process and talks to its control routes. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface ReceiverStats {
  requests: number
  ok: number
  failed: number
  inFlightAvg: number
  inFlightMax: number
  samples: number
}

export interface Receiver {
  /** Where deliveries go: `http://127.0.0.1:<port>/webhook`. */
  url: string
  pid: number
  /** Answer after `delayMs`, 500 to a share `failRate`; resets the counters. */
  configure(options: { delayMs?: number; failRate?: number }): Promise<void>
  reset(): Promise<void>
  stats(): Promise<ReceiverStats>
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const script = fileURLToPath(new URL('../receiver-process.ts', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))
    child.once('exit', () => reject(new Error('receiver process exited')))
  })
  const base = `http://127.0.0.1:${port}`
  const post = async (path: string) => {
    const res = await fetch(`${base}${path}`, { method: 'POST' })
    await res.text()
  }
  return {
    url: `${base}/webhook`,
    pid: child.pid!,
    configure: ({ delayMs = 0, failRate = 0 }) => post(`/config?delay=${delayMs}&fail=${failRate}`),
    reset: () => post('/reset'),
    stats: async () => (await (await fetch(`${base}/stats`)).json()) as ReceiverStats,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
