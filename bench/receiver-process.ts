/**
 * The receiver of the delivery benchmarks, in its own process so that neither its event loop nor
 * its CPU is the sender's: a bare node:http server answering every POST.
 *
 * - `POST /config?delay=20&fail=0.01` answers every POST after `delay` ms, and answers 500 to a
 *   share `fail` of them (deterministically: every 100th for 0.01, every 5th for 0.2); it also
 *   resets the counters. `DELAY_MS` in the environment sets the initial delay.
 * - `POST /reset` resets the counters and the in-flight samples (call it when a timed phase starts).
 * - `GET /stats` answers `{ requests, ok, failed, inFlightAvg, inFlightMax, samples }`: the open
 *   requests are counted every 2 ms; `inFlightAvg` is their mean since the last reset.
 * - `GET /count` answers the number of POSTs so far (plain text).
 *
 * Prints its port as one line.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

let delayMs = Number(process.env.DELAY_MS ?? 0)
let failRate = 0
let requests = 0
let ok = 0
let failed = 0
let open = 0
let sampleSum = 0
let samples = 0
let inFlightMax = 0

function reset(): void {
  requests = ok = failed = 0
  sampleSum = samples = inFlightMax = 0
}

// Sampling only counts while requests arrive, so idle gaps between phases do not dilute it.
let lastRequestAt = 0
setInterval(() => {
  if (Date.now() - lastRequestAt > 50 && open === 0) return
  sampleSum += open
  samples++
  if (open > inFlightMax) inFlightMax = open
}, 2).unref()

function control(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://receiver')
  if (req.method === 'POST' && url.pathname === '/config') {
    delayMs = Number(url.searchParams.get('delay') ?? 0)
    failRate = Number(url.searchParams.get('fail') ?? 0)
    reset()
    res.end('ok')
  } else if (req.method === 'POST' && url.pathname === '/reset') {
    reset()
    res.end('ok')
  } else if (url.pathname === '/stats') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ requests, ok, failed, inFlightAvg: samples === 0 ? 0 : sampleSum / samples, inFlightMax, samples }))
  } else {
    res.end(String(requests))
  }
}

const server = http.createServer((req, res) => {
  if (req.url !== '/webhook') {
    req.resume()
    req.on('end', () => control(req, res))
    return
  }
  open++
  lastRequestAt = Date.now()
  req.resume()
  req.on('end', () => {
    const n = requests++
    // Deterministic share: request n fails when it crosses the next multiple of 1/failRate.
    const fail = failRate > 0 && Math.floor((n + 1) * failRate) > Math.floor(n * failRate)
    const answer = () => {
      open--
      if (fail) failed++
      else ok++
      res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' })
      res.end(fail ? 'no' : 'ok')
    }
    if (delayMs > 0) setTimeout(answer, delayMs)
    else answer()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
