import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Relay } from '../../src/index.js'
import type { AdminRequest } from '../../src/admin/admin-handlers.js'
import express from 'express'
import type { AddressInfo } from 'node:net'
import { expressDashboard } from '../../src/adapters/express/index.js'
import type { DashboardOptions } from '../../src/dashboard/dashboard-options.js'
import { DashboardSession, ensureUiBuilt, mounts as usualMounts, startRelay, type MountedDashboard } from './support/dashboard-app.js'

/** Express without a body parser in front (with express.json() in front, the app's parser reads bodies first). */
async function mountBareExpress(relay: Relay, options: DashboardOptions): Promise<MountedDashboard> {
  const app = express()
  app.use('/ops', expressDashboard(relay, options))
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${origin}/ops/`,
    origin,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const mounts = { ...usualMounts, express: mountBareExpress, 'express with express.json() in front': usualMounts.express }

/**
 * Posts `declared` bytes' worth of headers but sends only the first 64 KiB and never the rest: a
 * server that reads the body before answering never answers; one that refuses first answers now.
 */
function postUnfinished(url: string, declared: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(declared), ...headers },
    })
    request.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => {
        request.destroy()
        resolve({ status: response.statusCode ?? 0, body })
      })
    })
    // The server may close the socket once it answered; only a missing answer is a failure.
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)))
    request.write('{"url": "https://example.com/hook", "description": "' + 'x'.repeat(64 * 1024))
  })
}

describe('dashboard mounts authorise before they read a body', () => {
  let relay: Relay
  let cleanup: () => Promise<void>
  let allow = false
  const shown: AdminRequest[] = []
  const authorize = (request: AdminRequest) => {
    shown.push(request)
    return allow
  }

  beforeAll(async () => {
    ensureUiBuilt()
    ;({ relay, cleanup } = await startRelay())
  })
  afterAll(() => cleanup?.())

  for (const [name, mount] of Object.entries(mounts)) {
    describe(name, () => {
      let dashboard: MountedDashboard
      beforeAll(async () => {
        dashboard = await mount(relay, { authorize })
      })
      afterAll(() => dashboard?.close())

      it('refuses an unauthorised POST with a huge body, unread, while the client is still sending it', async () => {
        allow = false
        shown.length = 0
        if (name.includes('express.json')) {
          // The app's parser drains the body before anything else runs; its failure is still authorised first.
          const refused = await fetch(`${dashboard.url}api/endpoints`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1.5 * 1_048_576) })
          expect(refused.status).toBe(401)
        } else {
          const refused = await postUnfinished(`${dashboard.url}api/endpoints`, 64 * 1_048_576)
          expect(refused.status).toBe(401)
          expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
        }
        // authorize saw the request line and headers only: no body, and no way to read one.
        expect(shown.length).toBeGreaterThan(0)
        expect(shown.every((r) => r.body === undefined && r.readBody === undefined)).toBe(true)
        expect((await relay.endpoints.list()).data).toEqual([])
      })

      it('once authorised (and CSRF checked), reads the body: malformed is 400, over 1 MiB is 413, a good one is served', async () => {
        allow = true
        const session = new DashboardSession(dashboard)
        await session.open()
        const post = (body: string) =>
          fetch(`${dashboard.url}api/endpoints`, {
            method: 'POST',
            headers: { cookie: session.cookie, 'content-type': 'application/json', 'x-hookrelay-csrf': session.token, origin: dashboard.origin },
            body,
          })
        const malformed = await post('{"url": ')
        expect(malformed.status).toBe(400)
        const large = await post(JSON.stringify({ url: 'https://example.com/hook', description: 'x'.repeat(1.5 * 1_048_576) }))
        expect(large.status).toBe(413)
        const created = await post(JSON.stringify({ url: 'https://example.com/hook' }))
        expect(created.status).toBe(201)
        await relay.endpoints.delete(((await created.json()) as { id: string }).id)
      })
    })
  }
})
