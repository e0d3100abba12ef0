import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import express from 'express'
import Fastify from 'fastify'
import { createRelay, sqliteStorage, type Relay } from '../../../src/index.js'
import type { RelayOptions } from '../../../src/relay-options.js'
import { expressDashboard } from '../../../src/adapters/express/index.js'
import { fastifyDashboard } from '../../../src/adapters/fastify/index.js'
import { fetchDashboard } from '../../../src/adapters/fetch/index.js'
import { nodeDashboard } from '../../../src/adapters/node/index.js'
import type { DashboardOptions } from '../../../src/dashboard/dashboard-options.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** The dashboard serves the prebuilt UI; build it once if this checkout has not been built. */
export function ensureUiBuilt(): void {
  if (existsSync(join(root, 'dist/dashboard-ui/app.js'))) return
  execFileSync(process.execPath, [join(root, 'scripts/build-dashboard-ui.mjs')], { cwd: root, stdio: 'pipe' })
}

/** A dashboard mounted under `/ops` of a real server on 127.0.0.1. */
export interface MountedDashboard {
  /** The dashboard's URL, with its trailing slash: http://127.0.0.1:1234/ops/ */
  url: string
  origin: string
  close(): Promise<void>
}

export type Mount = (relay: Relay, options: DashboardOptions) => Promise<MountedDashboard>

function listening(server: Server, close: () => Promise<void>): MountedDashboard {
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return { url: `${origin}/ops/`, origin, close }
}

function closeServer(server: Server): () => Promise<void> {
  return async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
}

/** Express 5 with the app's own express.json() in front, as apps usually have it. */
export const mountExpress: Mount = async (relay, options) => {
  const app = express()
  app.use(express.json())
  app.use('/ops', expressDashboard(relay, options))
  const server = http.createServer(app)
  await listen(server)
  return listening(server, closeServer(server))
}

export const mountFastify: Mount = async (relay, options) => {
  const fastify = Fastify()
  await fastify.register(fastifyDashboard(relay, options), { prefix: '/ops' })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  return listening(fastify.server, async () => {
    fastify.server.closeAllConnections()
    await fastify.close()
  })
}

export const mountNode: Mount = async (relay, options) => {
  const dashboard = nodeDashboard(relay, { ...options, basePath: '/ops' })
  const server = http.createServer((req, res) => void dashboard(req, res))
  await listen(server)
  return listening(server, closeServer(server))
}

/** fetchDashboard behind a small node http → Fetch bridge that streams the response (SSE included). */
export const mountFetch: Mount = async (relay, options) => {
  const dashboard = fetchDashboard(relay, { ...options, basePath: '/ops' })
  const server = http.createServer(async (req, res) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v)
    }
    const abort = new AbortController()
    res.once('close', () => abort.abort())
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const response = await dashboard(
      new Request(`http://${req.headers.host}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        signal: abort.signal,
        ...(hasBody ? { body: requestBody(req), duplex: 'half' } : {}),
      } as RequestInit),
    )
    res.writeHead(response.status, Object.fromEntries(response.headers))
    if (!response.body) return void res.end()
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy()).pipe(res)
  })
  await listen(server)
  return listening(server, closeServer(server))
}

/**
 * The request body as a web stream. Unlike `Readable.toWeb`, a cancelled stream (the dashboard
 * refused a huge body unread) discards what still arrives instead of throwing on enqueue.
 */
function requestBody(req: http.IncomingMessage): ReadableStream<Uint8Array> {
  let open = true
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => open && controller.enqueue(new Uint8Array(chunk)))
      req.on('end', () => open && ((open = false), controller.close()))
      req.on('error', (error) => open && ((open = false), controller.error(error)))
    },
    cancel() {
      open = false
    },
  })
}

export const mounts = { express: mountExpress, fastify: mountFastify, node: mountNode, fetch: mountFetch } as const

/** A started relay on a temporary SQLite file, with fast polling for tests. */
export async function startRelay(options: RelayOptions = {}): Promise<{ relay: Relay; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-dashboard-'))
  const relay = createRelay({
    storage: sqliteStorage({ filename: join(dir, 'relay.db') }),
    network: { allowPrivate: true },
    delivery: { pollInterval: '50ms' },
    retry: { schedule: [], jitter: 0 },
    ...options,
  })
  await relay.start()
  return {
    relay,
    async cleanup() {
      await relay.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A browser-like session: loads the page, keeps the CSRF cookie, sends changes with the token. */
export class DashboardSession {
  cookie = ''
  token = ''

  constructor(
    readonly dashboard: MountedDashboard,
    readonly auth: Record<string, string> = {},
  ) {}

  async open(): Promise<string> {
    const res = await fetch(this.dashboard.url, { headers: this.auth })
    const html = await res.text()
    const setCookie = res.headers.get('set-cookie')
    if (setCookie) this.cookie = setCookie.split(';')[0]!
    this.token = /name="hookrelay-csrf" content="([^"]+)"/.exec(html)?.[1] ?? ''
    return html
  }

  get(path: string): Promise<Response> {
    return fetch(`${this.dashboard.url}${path}`, { headers: { ...this.auth, cookie: this.cookie } })
  }

  change(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.dashboard.url}${path}`, {
      method,
      headers: {
        ...this.auth,
        cookie: this.cookie,
        'content-type': 'application/json',
        'x-hookrelay-csrf': this.token,
        origin: this.dashboard.origin,
        ...headers,
      },
      body: JSON.stringify(body ?? {}),
    })
  }
}

/** Reads Server-Sent Events frames from `response` until `until(frame)` is true; returns that frame. */
export async function readFrames<T>(response: Response, until: (frame: T) => boolean, signal?: AbortSignal): Promise<T> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      if (signal?.aborted) throw new Error('aborted')
      const { done, value } = await reader.read()
      if (done) throw new Error('the event stream ended')
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (block.includes('event: frame') && data) {
          const frame = JSON.parse(data) as T
          if (until(frame)) return frame
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}
