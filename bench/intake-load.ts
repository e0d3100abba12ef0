/**
 * The load generator of bench/intake.ts, run in its own process so it does not share the server's
 * event loop: `node --import tsx bench/intake-load.ts '<json options>'`. Every request is a new
 * webhook (unique `webhook-id`, fresh timestamp) signed by the official `standardwebhooks` library.
 * Prints autocannon's summary as one JSON line.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { Webhook } from 'standardwebhooks'

/** What bench/intake.ts asks for. */
export interface LoadOptions {
  url: string
  secret: string
  connections: number
  durationSec: number
  /** Requests per second across all connections; absent = as fast as the server answers. */
  overallRate?: number
}

/** What it reports back. */
export interface LoadResult {
  requests: number
  rps: number
  non2xx: number
  errors: number
  timeouts: number
  p50: number
  p90: number
  p99: number
}

interface AutocannonRequest {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string
}
interface AutocannonSummary {
  requests: { average: number; total: number }
  latency: { p50: number; p90: number; p99: number }
  non2xx: number
  errors: number
  timeouts: number
  duration: number
}
type Autocannon = (
  options: Record<string, unknown> & { requests?: { setupRequest: (req: AutocannonRequest) => AutocannonRequest }[] },
  done: (error: Error | null, result: AutocannonSummary) => void,
) => unknown

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const webhook = new Webhook(options.secret)
  const run = randomBytes(4).toString('hex')
  let n = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        duration: options.durationSec,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        requests: [
          {
            setupRequest(req) {
              const id = `msg_${run}_${n++}`
              const now = new Date()
              const body = `{"type":"order.created","timestamp":"${now.toISOString()}","data":{"id":"ord_${n}","total":4200,"currency":"EUR"}}`
              req.method = 'POST'
              req.body = body
              req.headers = {
                'content-type': 'application/json',
                'webhook-id': id,
                'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
                'webhook-signature': webhook.sign(id, now, body),
              }
              return req
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error)
        resolve({
          requests: result.requests.total,
          rps: result.requests.total / result.duration,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
        })
      },
    )
  })
}

if (process.argv[2]) {
  const result = await runLoad(JSON.parse(process.argv[2]) as LoadOptions)
  process.stdout.write(JSON.stringify(result) + '\n')
}
