import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A real HTTP server that answers nothing on its own: every request is held open until the test
 * answers it. `decide` runs after every arrival, so a test states *when* to answer as a condition
 * on what is open (e.g. "once 8 are open at once"), never as a delay.
 */
export interface HoldingReceiver {
  url: string
  /** Requests received so far. */
  readonly received: number
  /** Requests received and not answered yet. */
  readonly open: number
  /** The most requests that were open at once. */
  readonly maxOpen: number
  /** Answers the oldest open request; false when none is open. */
  answerOldest(status: number): boolean
  /** Answers every open request. */
  answerAll(status: number): void
  close(): Promise<void>
}

export async function startHoldingReceiver(decide: (receiver: HoldingReceiver) => void): Promise<HoldingReceiver> {
  const held: http.ServerResponse[] = []
  let received = 0
  let maxOpen = 0
  const answer = (res: http.ServerResponse, status: number) => {
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end(status < 300 ? 'ok' : 'failed')
  }
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      received++
      held.push(res)
      maxOpen = Math.max(maxOpen, held.length)
      decide(receiver)
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const receiver: HoldingReceiver = {
    url: `http://127.0.0.1:${port}/webhook`,
    get received() {
      return received
    },
    get open() {
      return held.length
    },
    get maxOpen() {
      return maxOpen
    },
    answerOldest(status) {
      const res = held.shift()
      if (!res) return false
      answer(res, status)
      return true
    },
    answerAll(status) {
      for (const res of held.splice(0)) answer(res, status)
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return receiver
}
