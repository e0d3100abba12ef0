/**
 * `npm run demo -- --dashboard`: after the scenarios, keeps hookrelay's dashboard open with a
 * small control page whose buttons run each scenario again, live. Every relay a scenario creates
 * forwards its events to the dashboard's relay, so the dashboard's live feed and throughput chart
 * show them as they happen. Ctrl-C stops.
 *
 * The control page is the demo's own (a form per scenario, no script): `POST /demo/run/<key>`
 * runs the scenario on a fresh backend and redirects back. The dashboard is mounted at /dashboard/.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeDashboard } from '../adapters/node/index.js'
import type { RelayEventName } from '../core/events.js'
import { createRelay, sqliteStorage, type Relay } from '../index.js'
import type { Backend } from './backend.js'
import { relayCreated } from './relays.js'
import type { DemoSettings, Scenario } from './scenario.js'
import { Cleanup } from './util.js'
import type { View } from './view.js'

const FORWARDED: RelayEventName[] = [
  'message.created', 'delivery.succeeded', 'delivery.failed', 'delivery.deferred', 'delivery.dead', 'endpoint.disabled',
  'circuit.opened', 'circuit.half_open', 'circuit.closed', 'inbound.accepted', 'inbound.duplicate', 'inbound.rejected',
  'inbound.processed', 'inbound.failed', 'inbound.dead',
]

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

function controlPage(scenarios: readonly Scenario[], log: readonly string[]): string {
  const buttons = scenarios
    .map((s) => `<form method="post" action="/demo/run/${encodeURIComponent(s.key)}"><button>${escapeHtml(s.title)}</button></form>`)
    .join('\n')
  const lines = log.slice(-20).map((l) => `<li>${escapeHtml(l)}</li>`).join('')
  return `<!doctype html><meta charset="utf-8"><title>hookrelay demo</title>
<h1>hookrelay demo</h1>
<p>Run a scenario again, then watch it in the <a href="/dashboard/" target="dashboard">dashboard</a> (live feed and throughput).</p>
${buttons}
<h2>Runs</h2><ol>${lines}</ol>`
}

/**
 * Serves the dashboard and the control page on 127.0.0.1 until Ctrl-C. `newBackend` gives each
 * run a fresh backend (removed after the run), so a scenario's assertions hold on every rerun.
 */
export async function keepDashboardOpen(options: {
  scenarios: readonly Scenario[]
  settings: DemoSettings
  view: View
  newBackend: () => Promise<Backend>
  port?: number
}): Promise<void> {
  const { scenarios, settings, view } = options
  const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp(`${(process.env.TMPDIR ?? '/tmp').replace(/\/$/, '')}/hookrelay-demo-dashboard-`))
  // The dashboard's own relay: it runs no workers; the scenarios' relays forward their events to it.
  const relay: Relay = createRelay({ storage: sqliteStorage({ filename: `${dir}/dashboard.db` }) })
  await relay.start({ workers: false })
  const forward = (source: Relay) => {
    for (const name of FORWARDED) {
      ;(source.on as (n: string, l: (p: unknown) => void) => unknown)(name, (payload) =>
        (relay.emit as (n: string, p: unknown) => unknown)(name, payload),
      )
    }
  }
  relayCreated.add(forward)

  const log: string[] = []
  let running: string | null = null
  const run = async (scenario: Scenario) => {
    running = scenario.key
    const backend = await options.newBackend()
    const cleanup = new Cleanup()
    const started = Date.now()
    try {
      view.section(1, 1, scenario.title, 'run again from the dashboard demo page')
      const summary = await scenario.run({ backend, view, cleanup, settings })
      log.push(`${new Date().toLocaleTimeString()} ${scenario.key}: passed in ${Date.now() - started} ms: ${summary}`)
    } catch (error) {
      log.push(`${new Date().toLocaleTimeString()} ${scenario.key}: FAILED: ${(error as Error).message.split('\n')[0]}`)
    } finally {
      await cleanup.run().catch(() => undefined)
      await backend.cleanup().catch(() => undefined)
      running = null
    }
  }

  const dashboard = nodeDashboard(relay, { authorize: 'none', basePath: '/dashboard', title: 'hookrelay demo' })
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid')
    const match = /^\/demo\/run\/([\w-]+)$/.exec(url.pathname)
    if (req.method === 'POST' && match) {
      req.resume()
      const scenario = scenarios.find((s) => s.key === match[1])
      if (!scenario) return void res.writeHead(404).end('No such scenario')
      if (running) log.push(`${scenario.key}: not started, ${running} is still running`)
      else void run(scenario)
      return void res.writeHead(303, { location: '/' }).end()
    }
    if (req.method === 'GET' && url.pathname === '/') {
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; form-action 'self'" }).end(controlPage(scenarios, log))
    }
    void dashboard(req, res, () => res.writeHead(404).end('Not found'))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  view.line()
  view.line(`Dashboard: ${origin}/dashboard/   scenario buttons: ${origin}/   (Ctrl-C stops)`)

  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  view.line('Stopping the dashboard…')
  relayCreated.delete(forward)
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await relay.stop()
  await import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true }))
}
