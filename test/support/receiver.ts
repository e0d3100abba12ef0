import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  at: number
}

/** What the receiver answers; `delayMs` holds the answer back (for timeouts). */
export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: string
  delayMs?: number
}

export type Behaviour = (request: ReceivedRequest, index: number) => Reply

/** A real HTTP server on 127.0.0.1 that records every request and answers as told. */
export interface TestReceiver {
  url: string
  requests: ReceivedRequest[]
  /** Changes how the next requests are answered. */
  behave(behaviour: Behaviour): void
  /** Resolves once `count` requests arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>
  close(): Promise<void>
}

export async function startReceiver(behaviour: Behaviour = () => ({ status: 200 })): Promise<TestReceiver> {
  let current = behaviour
  const requests: ReceivedRequest[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      }
      const index = requests.push(received) - 1
      const reply = current(received, index)
      const send = () => {
        if (res.destroyed) return
        res.writeHead(reply.status, reply.headers)
        res.end(reply.body ?? '')
      }
      if (reply.delayMs) setTimeout(send, reply.delayMs)
      else send()
      for (const w of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    requests,
    behave(next) {
      current = next
    },
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${requests.length} requests, expected ${count} within ${timeoutMs} ms`)),
          timeoutMs,
        )
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer)
            resolve(requests)
          },
        })
      })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
