/**
 * The receiver of the fleet benchmark, in its own process: answers 200 to every POST, counts
 * them, and notes when the first byte of each `/latency` request arrived (epoch ms, sub-ms).
 * Prints its port as one line. `GET /count` answers the count; `GET /times` the arrival times by
 * webhook-id as JSON (and forgets them).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

const clock = () => performance.timeOrigin + performance.now()
let count = 0
let times: Record<string, number> = {}
const server = http.createServer((req, res) => {
  const at = clock()
  if (req.method === 'GET') {
    if (req.url === '/times') {
      res.end(JSON.stringify(times))
      times = {}
    } else {
      res.end(String(count))
    }
    return
  }
  if (req.url === '/latency') {
    const id = String(req.headers['webhook-id'])
    times[id] ??= at
  }
  req.resume()
  req.on('end', () => {
    count++
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('ok')
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
