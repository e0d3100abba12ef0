import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** How the chaos receiver answers, chosen by the first path segment of the endpoint's URL. */
export type ChaosBehaviour =
  | 'ok' // 200 at once
  | 'error' // 503, always
  | 'flaky' // 500 to the first two attempts of a webhook, then 200
  | 'timeout' // never answers
  | 'drip' // 200 and headers at once, then one body byte every 250 ms for 10 s
  | 'reset' // reads the request, then destroys the connection
  | 'throttle' // 429 with Retry-After: 1 to the first attempt of a webhook, then 200
  | 'gone' // 410
  | 'redirect' // 301/302/307/308 to /followed, which must never be requested
  | 'huge' // 200 with a 50 MB body

export const CHAOS_BEHAVIOURS: readonly ChaosBehaviour[] = ['ok', 'error', 'flaky', 'timeout', 'drip', 'reset', 'throttle', 'gone', 'redirect', 'huge']

export interface ChaosRequest {
  behaviour: string
  webhookId: string | undefined
  headers: http.IncomingHttpHeaders
  body: string
  at: number
}

export interface ChaosReceiver {
  url(behaviour: ChaosBehaviour): string
  readonly requests: ChaosRequest[]
  /** Bytes of 50 MB bodies the server managed to write before the client stopped reading. */
  readonly hugeBytesWritten: number[]
  close(): Promise<void>
}

const HUGE_BYTES = 50 * 1024 * 1024
const CHUNK = Buffer.alloc(1024 * 1024, 'x')
const REDIRECTS = [301, 302, 307, 308]

/** A receiver that misbehaves in every way the outbound side must survive; it records every request. */
export async function startChaosReceiver(): Promise<ChaosReceiver> {
  const requests: ChaosRequest[] = []
  const hugeBytesWritten: number[] = []
  const timers = new Set<NodeJS.Timeout>()
  const seen = new Map<string, number>()

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const behaviour = (req.url ?? '/').split('/')[1] ?? ''
      const webhookId = req.headers['webhook-id'] as string | undefined
      requests.push({ behaviour, webhookId, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const key = `${behaviour}:${webhookId}`
      const nth = (seen.get(key) ?? 0) + 1
      seen.set(key, nth)
      switch (behaviour) {
        case 'ok':
          return res.writeHead(200).end('ok')
        case 'error':
          return res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable')
        case 'flaky':
          return nth <= 2 ? res.writeHead(500).end('flaky') : res.writeHead(200).end('ok')
        case 'timeout':
          return // never answered; closed with the server
        case 'drip': {
          res.writeHead(200, { 'content-type': 'text/plain' })
          let left = 40
          const tick = setInterval(() => {
            if (res.destroyed || left-- <= 0) {
              clearInterval(tick)
              timers.delete(tick)
              if (!res.destroyed) res.end()
              return
            }
            res.write('.')
          }, 250)
          timers.add(tick)
          return
        }
        case 'reset':
          return req.socket.destroy()
        case 'throttle':
          return nth === 1 ? res.writeHead(429, { 'retry-after': '1' }).end('slow down') : res.writeHead(200).end('ok')
        case 'gone':
          return res.writeHead(410).end('gone')
        case 'redirect':
          return res.writeHead(REDIRECTS[nth % REDIRECTS.length]!, { location: '/followed' }).end()
        case 'huge': {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(HUGE_BYTES) })
          let written = 0
          const record = () => hugeBytesWritten.push(written)
          const pump = () => {
            while (written < HUGE_BYTES && !res.destroyed) {
              written += CHUNK.length
              if (!res.write(CHUNK)) return void res.once('drain', pump)
            }
            if (!res.destroyed) res.end()
          }
          res.once('close', record)
          return pump()
        }
        default:
          return res.writeHead(404).end('unknown behaviour')
      }
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (behaviour) => `http://127.0.0.1:${port}/${behaviour}`,
    requests,
    hugeBytesWritten,
    async close() {
      for (const timer of timers) clearInterval(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
