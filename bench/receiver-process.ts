/**
 * The receiver of the outbound benchmark, in its own process so it does not share the sender's
 * event loop: a bare node:http server that answers 200 to every POST and counts what it got.
 * With DELAY_MS set it answers after that many milliseconds, like a real receiver doing work.
 * Prints its port as one line; `GET /count` answers the number of POSTs so far.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

let count = 0
const delayMs = Number(process.env.DELAY_MS ?? 0)
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.end(String(count))
    return
  }
  req.resume()
  req.on('end', () => {
    count++
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('ok')
    }
    if (delayMs > 0) setTimeout(answer, delayMs)
    else answer()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
