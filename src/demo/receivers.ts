/**
 * The demo's local HTTP servers, all on 127.0.0.1 with an ephemeral port:
 *
 * - {@link endpointServer}: a customer endpoint whose answer the scenario controls (healthy, down,
 *   failing), that verifies each request's signature and records when each webhook arrived;
 * - {@link customerApp}: a second relay, "the customer's app", with a `relay.receiver()` mounted
 *   through `nodeReceiver` — verification and idempotent intake by hookrelay itself;
 * - {@link gateway}: a load balancer in front of the customer app that can lose answers;
 * - {@link postRaw}: a bare HTTP POST, for replaying and forging requests.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Receiver, ReceiverOptions, Relay, RelayOptions } from '../index.js'
import { nodeReceiver } from '../adapters/node/index.js'
import { verify } from '../signing/index.js'
import type { Backend } from './backend.js'
import { demoRelay } from './relays.js'
import type { Cleanup } from './util.js'

export interface Listening {
  url: string
  close(): Promise<void>
}

/** Starts `handler` on 127.0.0.1; `close()` also drops keep-alive connections so the process can exit. */
export async function listen(handler: http.RequestListener, path: string, cleanup: Cleanup): Promise<Listening> {
  const server = http.createServer(handler)
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
  cleanup.add(close)
  return { url: `http://127.0.0.1:${port}${path}`, close }
}

/** Reads a request body as bytes. */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export interface Arrival {
  /** `webhook-id`: hookrelay's message id, the same on every attempt. */
  webhookId: string
  at: number
  status: number
}

export interface EndpointServer extends Listening {
  readonly name: string
  /** Every request, in arrival order. */
  readonly arrivals: Arrival[]
  /** Requests whose signature did not verify (answered 401). */
  badSignatures: number
  /** Called once per verified arrival (after it is recorded). */
  onArrival?: (arrival: Arrival) => void
}

/**
 * A customer endpoint: verifies the Standard Webhooks signature with `secret` and answers what
 * `status()` says (200 unless told otherwise).
 */
export async function endpointServer(
  name: string,
  secret: string,
  cleanup: Cleanup,
  status: () => number = () => 200,
): Promise<EndpointServer> {
  const state = {
    name,
    arrivals: [] as Arrival[],
    badSignatures: 0,
    onArrival: undefined as ((arrival: Arrival) => void) | undefined,
  }
  const listening = await listen(
    (req, res) => {
      readBody(req).then((body) => {
        const at = Date.now()
        let webhookId: string
        try {
          webhookId = verify({ secret, payload: body, headers: req.headers }).id ?? ''
        } catch {
          state.badSignatures++
          res.writeHead(401).end()
          return
        }
        const code = status()
        const arrival = { webhookId, at, status: code }
        state.arrivals.push(arrival)
        state.onArrival?.(arrival)
        res.writeHead(code, { 'content-type': 'application/json' }).end(code < 300 ? '{"ok":true}' : '{"error":"unavailable"}')
      }, () => res.destroy())
    },
    `/${name}/webhooks`,
    cleanup,
  )
  return Object.assign(state, listening)
}

export interface CustomerApp {
  relay: Relay
  receiver: Receiver
  /** Where the receiver is mounted. */
  url: string
}

/**
 * The customer's own app: a second relay with one receiver, mounted with `nodeReceiver` on a
 * plain `http.createServer`, and started so its workers run the handlers.
 */
export async function customerApp(
  backend: Backend,
  name: string,
  receiverOptions: ReceiverOptions,
  register: (receiver: Receiver) => void,
  cleanup: Cleanup,
  relayOptions: Partial<RelayOptions> = {},
): Promise<CustomerApp> {
  const relay = demoRelay(backend, name, relayOptions)
  const receiver = relay.receiver(receiverOptions)
  register(receiver)
  const handle = nodeReceiver(receiver)
  const path = `/webhooks/${receiverOptions.name}`
  const server = await listen(
    (req, res) => {
      if (req.url === path) return void handle(req, res)
      res.writeHead(404).end()
    },
    path,
    cleanup,
  )
  await relay.start()
  cleanup.add(() => relay.stop())
  return { relay, receiver, url: server.url }
}

export interface CapturedRequest {
  body: Buffer
  headers: Record<string, string>
}

export interface Gateway extends Listening {
  /** The next `n` answers from upstream are lost: the sender gets a 504 instead. */
  loseAnswers(n: number): void
  /** Every request that went through, as forwarded. */
  readonly forwarded: CapturedRequest[]
  /** What upstream answered and what the sender got, per request. */
  readonly log: Array<{ upstream: number; sent: number }>
}

/**
 * A reverse proxy in front of `upstream` (the customer app). When told to, it forwards a request,
 * lets the app process it, and then loses the answer — a load balancer timing out, a connection
 * reset — so the sender sees a 504 and, correctly, tries again.
 */
export async function gateway(upstream: string, cleanup: Cleanup): Promise<Gateway> {
  let toLose = 0
  const forwarded: CapturedRequest[] = []
  const log: Array<{ upstream: number; sent: number }> = []
  const listening = await listen(
    (req, res) => {
      readBody(req)
        .then(async (body) => {
          const headers: Record<string, string> = {}
          for (const [key, value] of Object.entries(req.headers)) {
            if (typeof value === 'string' && (key.startsWith('webhook-') || key === 'content-type' || key === 'user-agent')) headers[key] = value
          }
          forwarded.push({ body, headers })
          const answer = await postRaw(upstream, body, headers)
          if (toLose > 0) {
            toLose--
            log.push({ upstream: answer.status, sent: 504 })
            res.writeHead(504, { 'content-type': 'text/plain' }).end('gateway timeout')
            return
          }
          log.push({ upstream: answer.status, sent: answer.status })
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
        })
        .catch(() => res.destroy())
    },
    '/webhooks',
    cleanup,
  )
  return Object.assign(listening, { loseAnswers: (n: number) => void (toLose = n), forwarded, log })
}

/** A bare POST with exactly these bytes and headers (no keep-alive, nothing added but host and length). */
export function postRaw(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      readBody(res).then((bytes) => resolve({ status: res.statusCode ?? 0, body: bytes.toString() }), reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}
