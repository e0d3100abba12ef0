import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/index.js'
import type { DashboardOptions } from '../../src/dashboard/dashboard-options.js'
import { describeEachStorage } from '../support/storages.js'
import { ensureUiBuilt, mounts, type MountedDashboard } from './support/dashboard-app.js'

const authorize: DashboardOptions['authorize'] = () => false

/** Opens a portal link as a browser would; returns the status and the session cookie it set. */
async function openLink(dashboard: MountedDashboard, path: string): Promise<{ status: number; cookie: string }> {
  const res = await fetch(`${dashboard.origin}/ops${path}`, { redirect: 'manual' })
  await res.body?.cancel()
  const cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]!).find((pair) => pair.startsWith('hookrelay_portal=')) ?? ''
  return { status: res.status, cookie }
}

const endpoints = (dashboard: MountedDashboard, cookie: string) =>
  fetch(`${dashboard.origin}/ops/portal/api/endpoints`, { headers: { cookie } })

describeEachStorage('portal links and sessions shared by every process on the database', (ctx) => {
  let now = Date.now()
  // Two relays on the same tables, each with its own dashboard: two processes of one app.
  const relays: Relay[] = []
  const dashboards: MountedDashboard[] = []
  const prefix = `portal_${Math.random().toString(36).slice(2, 8)}_`

  beforeAll(async () => {
    ensureUiBuilt()
    for (let i = 0; i < 2; i++) {
      const relay = createRelay({ storage: ctx.env().createStorage({ tablePrefix: prefix }), now: () => now, network: { allowPrivate: true } })
      await relay.migrate()
      relays.push(relay)
      dashboards.push(await mounts.node(relay, { authorize }))
    }
  })
  afterAll(async () => {
    await Promise.all(dashboards.map((d) => d.close()))
    await Promise.all(relays.map((r) => r.stop()))
  })

  it('exchanges a link created in one process in another, once, and its session works on both', async () => {
    const [one, two] = relays as [Relay, Relay]
    const [first, second] = dashboards as [MountedDashboard, MountedDashboard]
    await one.endpoints.create({ url: 'https://example.com/a', tenant: 'acme' })
    await one.endpoints.create({ url: 'https://example.com/b', tenant: 'globex' })
    const link = await one.portal.createSession({ tenant: 'acme', expiresIn: '10m', sessionTtl: '1h' })

    const opened = await openLink(second, link.path)
    expect(opened.status).toBe(302)
    expect((await openLink(first, link.path)).status).toBe(401) // used, whichever process is asked
    expect((await openLink(second, link.path)).status).toBe(401)

    for (const dashboard of [first, second]) {
      const res = await endpoints(dashboard, opened.cookie)
      expect(res.status).toBe(200)
      const { data } = (await res.json()) as { data: { endpoint: { tenant: string; url: string } }[] }
      expect(data.map(({ endpoint: e }) => [e.tenant, e.url])).toEqual([['acme', 'https://example.com/a']])
    }

    // Only hashes are stored: neither the link's token nor the session's appears in the table.
    const rows = await ctx.env().inSchema(one.storage.db).selectFrom(`${prefix}portal_sessions`).selectAll().execute()
    const stored = JSON.stringify(rows)
    expect(stored).not.toContain(link.path.split('/').pop())
    expect(stored).not.toContain(opened.cookie.split('=')[1])
    expect(rows.map((r) => r.kind).sort()).toEqual(['link', 'session'])
  })

  it('refuses an expired link and an expired session, and retention deletes them', async () => {
    const [one, two] = relays as [Relay, Relay]
    const [first, second] = dashboards as [MountedDashboard, MountedDashboard]
    const expiring = await one.portal.createSession({ tenant: 'acme', expiresIn: '5m' })
    const short = await one.portal.createSession({ tenant: 'acme', expiresIn: '1h', sessionTtl: '10m' })
    const opened = await openLink(second, short.path)
    expect((await endpoints(first, opened.cookie)).status).toBe(200)

    now += 10 * 60_000 + 1
    expect((await openLink(second, expiring.path)).status).toBe(401)
    expect((await endpoints(first, opened.cookie)).status).toBe(401)
    expect((await endpoints(second, opened.cookie)).status).toBe(401)

    // Two links and two sessions expired by now (one of each from the test above is still valid).
    const purged = await two.purge({ olderThan: '30d' })
    expect(purged.portalSessions).toBe(3)
    expect((await openLink(first, short.path)).status).toBe(401)
  })
})

