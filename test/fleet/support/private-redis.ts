import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A redis-server of a test's own, on a free port, so a test can stop, restart or flush it without
 * disturbing the shared Redis other suites use.
 */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  /** Stops the server (no save: everything in it is lost). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>
  /** FLUSHALL on this server only. */
  flushAll(): Promise<void>
  /** Stops it for good and removes its directory. */
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Sends one inline command and returns the first reply line (no client library needed). */
export function redisCommand(port: number, command: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`redis on ${port}: no answer to ${command}`))
    }, timeoutMs)
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString()
      if (data.includes('\r\n')) {
        clearTimeout(timer)
        socket.end()
        resolve(data.split('\r\n')[0]!)
      }
    })
    socket.write(`${command}\r\n`)
  })
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-redis-'))
  let child: ChildProcess | null = null

  const waitUntil = async (up: boolean) => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const answered = await redisCommand(port, 'PING', 300).then(
        (reply) => reply === '+PONG',
        () => false,
      )
      if (answered === up) return
      if (Date.now() > deadline) throw new Error(`private redis on ${port} did not ${up ? 'start' : 'stop'}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  const start = async () => {
    if (child) return
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { stdio: 'ignore' },
    )
    child = proc
    proc.once('exit', () => {
      if (child === proc) child = null
    })
    await waitUntil(true)
  }

  const stop = async () => {
    const proc = child
    if (!proc) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill('SIGKILL')
    await exited
    child = null
    await waitUntil(false)
  }

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async flushAll() {
      const reply = await redisCommand(port, 'FLUSHALL')
      if (reply !== '+OK') throw new Error(`FLUSHALL answered ${reply}`)
    },
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
