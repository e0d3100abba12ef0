import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { run } from '../../src/cli/program.js'
import { createRelay, type Relay } from '../../src/index.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Inside the repository, so the bundle resolves its dependencies from node_modules like an installed package. */
const BUILD_DIR = `${ROOT}node_modules/.cache/hookrelay-cli-test-${randomBytes(4).toString('hex')}`
const BIN = `${BUILD_DIR}/cli.js`

interface Run {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the CLI in this process, as the binary does (`run(argv, io)`), with a terminal `columns`
 * wide: the storage suites run dozens of commands, and a process each would be slow on a busy machine.
 */
async function inProcess(args: string[], columns?: number): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`)
  const code = await run(['node', 'hookrelay', ...args], {
    out: (text) => void (stdout += line(text)),
    err: (text) => void (stderr += line(text)),
    ...(columns !== undefined && { columns }),
  })
  return { code, stdout, stderr }
}

/** Runs the built `hookrelay` binary in a child process. */
async function hookrelay(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, HOOKRELAY_DATABASE_URL: undefined, ...env },
      timeout: 30_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

beforeAll(async () => {
  // The real binary: the package's tsup CLI entry, built the way `npm run build` builds it.
  const config = await readFile(`${ROOT}tsup.config.ts`, 'utf8')
  expect(config).toMatch(/cli: 'src\/cli\/index\.ts'/)
  const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { bin: Record<string, string> }
  expect(pkg.bin).toEqual({ hookrelay: './dist/cli.js' })
  await promisify(execFile)(
    process.execPath,
    [`${ROOT}node_modules/tsup/dist/cli-default.js`, '--no-config', '--entry.cli', 'src/cli/index.ts', '--format', 'esm', '--target', 'node20', '--platform', 'node', '--out-dir', BUILD_DIR],
    { cwd: ROOT, timeout: 120_000 },
  )
}, 120_000)

afterAll(async () => {
  await rm(BUILD_DIR, { recursive: true, force: true })
})

it('says what to do without a database, and refuses bad options', async () => {
  const none = await hookrelay(['endpoints', 'list'])
  expect(none.code).toBe(1)
  expect(none.stderr).toMatch(/No database given: pass --database-url/)
  const json = await hookrelay(['endpoints', 'list', '--json'])
  expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'VALIDATION_ERROR' } })
  const bad = await hookrelay(['dlq', 'list', '--since', 'yesterday'], { HOOKRELAY_DATABASE_URL: '/tmp/unused.db' })
  expect(bad.code).not.toBe(0)
  expect(bad.stderr).toMatch(/--since <time>' argument 'yesterday' is invalid/)
  const help = await hookrelay(['--help'])
  expect(help.stdout).toMatch(/endpoints[\s\S]*messages[\s\S]*attempts[\s\S]*dlq[\s\S]*inbound[\s\S]*migrate[\s\S]*stats[\s\S]*purge/)
  // A subcommand's help shows the options every command takes, and examples.
  const sub = await hookrelay(['endpoints', 'rotate-secret', '--help'])
  expect(sub.stdout).toMatch(/Global Options:[\s\S]*--database-url/)
  expect(sub.stdout).toMatch(/Examples:\n  \$ hookrelay endpoints rotate-secret/)
})

it('answers a bad option value of a nested command with a code, never by exiting the process it runs in', async () => {
  const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`process.exit(${String(code)}) called`)
  })
  try {
    for (const args of [['dlq', 'list', '--since', 'yesterday'], ['endpoints', 'list', '--limit', 'lots'], ['dlq', 'list', '--limit', '0']]) {
      const result = await inProcess([...args, '--database-url', '/tmp/unused.db'])
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr, args.join(' ')).toMatch(/is invalid/)
    }
    expect(exit).not.toHaveBeenCalled()
  } finally {
    exit.mockRestore()
  }
})

it('refuses a database it cannot open instead of creating an empty one', async () => {
  const missing = await hookrelay(['endpoints', 'list'], { HOOKRELAY_DATABASE_URL: '/tmp/hookrelay-no-such-dir/typo.db' })
  expect(missing.code).toBe(1)
  expect(missing.stderr).toMatch(/No SQLite database at \/tmp\/hookrelay-no-such-dir\/typo\.db: check the path.*hookrelay migrate/)
  const mongo = await hookrelay(['endpoints', 'list', '--database-url', 'mongodb://root@127.0.0.1/test'])
  expect(mongo.code).toBe(1)
  expect(mongo.stderr).toMatch(/cannot open a mongodb:\/\/ database: use postgres:\/\/.*mysql:\/\//)
})

describeEachStorage('the hookrelay CLI', (ctx) => {
  let prefix: string
  let storage: KyselyStorage
  let relay: Relay
  /** Connection flags for this environment's database and a prefix of its own. */
  let connection: string[]

  beforeAll(async () => {
    prefix = `cli_${randomBytes(3).toString('hex')}_`
    // MySQL's location is its database's URL, SQLite's the file.
    const url = ctx.target.dialect === 'postgres' ? POSTGRES_URL : ctx.env().location
    connection =
      ctx.target.dialect === 'postgres'
        ? ['--database-url', url, '--schema', ctx.env().location, '--table-prefix', prefix]
        : ['--database-url', url, '--table-prefix', prefix]
  })
  afterAll(async () => {
    await relay?.stop()
  })

  const cli = (...args: string[]) => inProcess([...connection, ...args])
  const cliJson = async (...args: string[]) => {
    const run = await cli(...args, '--json')
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([])
    expect(run.code).toBe(0)
    return JSON.parse(run.stdout)
  }
  function deliveries() {
    return { db: ctx.env().inSchema(storage.db), name: storage.tableName('deliveries') }
  }

  it('migrates, then manages endpoints: add (with its secret), list (without), disable', async () => {
    const migrated = await cli('migrate')
    expect(migrated).toMatchObject({ code: 0, stdout: 'hookrelay tables are up to date.\n' })
    expect((await cli('migrate')).code).toBe(0)
    storage = ctx.env().createStorage({ tablePrefix: prefix })
    relay = createRelay({ storage, network: { allowPrivate: true } })

    const refused = await cli('endpoints', 'add', 'http://127.0.0.1:9/hooks')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: .*127\.0\.0\.1/)
    const added = await cliJson('endpoints', 'add', 'http://127.0.0.1:9/hooks', '--allow-private', '--event-type', 'order.*', 'invoice.paid', '--tenant', 'acme')
    expect(added).toMatchObject({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['order.*', 'invoice.paid'], tenant: 'acme' })
    expect(added.secret).toMatch(/^whsec_/)
    expect((await relay.endpoints.get(added.id)).url).toBe('http://127.0.0.1:9/hooks')

    const table = await cli('endpoints', 'list')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/│ id +│ url +│ event types/)
    expect(table.stdout).toContain(added.id)
    expect(table.stdout).toContain('order.*, invoice.paid')
    expect(table.stdout).not.toContain('whsec_')
    // Custom header values (API keys) never show either.
    await relay.endpoints.update(added.id, { headers: { authorization: 'Bearer sk_live_cli' } })
    const listed = await cliJson('endpoints', 'list', '--tenant', 'acme')
    expect(listed.data.map((e: { id: string }) => e.id)).toEqual([added.id])
    expect(JSON.stringify(listed)).not.toContain('whsec_')
    expect(listed.data[0].headers).toEqual({ authorization: '[redacted]' })
    expect(JSON.stringify(listed)).not.toContain('sk_live_cli')

    const disabled = await cliJson('endpoints', 'disable', added.id, '--reason', 'maintenance')
    expect(disabled).toMatchObject({ id: added.id, disabled: true, disabledReason: 'maintenance' })
    expect((await cliJson('endpoints', 'list', '--disabled')).data).toHaveLength(1)
    expect((await cliJson('endpoints', 'list', '--enabled')).data).toHaveLength(0)
    const missing = await cli('endpoints', 'disable', 'ep_missing')
    expect(missing).toMatchObject({ code: 1, stderr: 'error: Endpoint "ep_missing" does not exist.\n' })
  })

  it('lists, bulk-replays with progress, and discards dead letters', async () => {
    const ep = await relay.endpoints.create({ url: 'http://127.0.0.1:9/dlq' })
    const sent = await relay.sendMany(Array.from({ length: 1200 }, (_, n) => ({ type: n < 1000 ? 'order.created' : 'order.updated', data: { n }, endpointIds: [ep.id] })))
    const d = deliveries()
    await d.db.updateTable(d.name).set({ status: 'dead', dead_reason: 'exhausted', completed_at: Date.now(), next_attempt_at: null }).where('endpoint_id', '=', ep.id).execute()

    const page = await cliJson('dlq', 'list', '--endpoint', ep.id, '--limit', '10')
    expect(page.data).toHaveLength(10)
    expect(page.nextCursor).toEqual(expect.any(String))
    const table = await cli('dlq', 'list', '--event-type', 'order.updated', '--limit', '3')
    expect(table.stdout).toMatch(/│ delivery +│ endpoint +│ tries/)
    expect(table.stdout).toContain('exhausted')
    // Filtered by event type: listed by message, and the cursor names message and delivery.
    expect(table.stdout).toMatch(/more: --cursor msg_\S+\/dlv_/)

    const refused = await cli('dlq', 'replay')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/or --all/)

    const discarded = await cliJson('dlq', 'discard', sent[0]!.deliveryIds[0]!)
    expect(discarded).toEqual({ matched: 1, changed: 1 })

    const replay = await cli('dlq', 'replay', '--endpoint', ep.id, '--batch-size', '500')
    expect(replay.code).toBe(0)
    expect(replay.stdout).toBe('Replayed 1199 of 1199 dead letters (the others were no longer dead).\n')
    expect(replay.stderr.trim().split('\n')).toEqual(['replayed 500 (looked at 500)', 'replayed 1000 (looked at 1000)', 'replayed 1199 (looked at 1199)'])
    expect(await cliJson('dlq', 'replay', '--all')).toEqual({ matched: 0, changed: 0 })
    const statuses = await d.db.selectFrom(d.name).select(['status', (eb) => eb.fn.countAll().as('n')]).where('endpoint_id', '=', ep.id).groupBy('status').execute()
    expect(Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]))).toEqual({ pending: 1199, discarded: 1 })
  })

  it('prints relay and endpoint stats', async () => {
    const global = await cliJson('stats', '--window', '1h')
    expect(global).toMatchObject({ deliveries: { pending: 1199, discarded: 1 }, messages: 1200, endpoints: { total: 2, disabled: 1 } })
    const table = await cli('stats')
    expect(table.stdout).toMatch(/deliveries pending +│ 1199/)
    const ep = (await relay.endpoints.list({ disabled: false })).data[0]!
    const one = await cliJson('stats', '--endpoint', ep.id)
    expect(one).toMatchObject({ endpointId: ep.id, deliveries: { pending: 1199 } })
    expect((await cli('stats', '--endpoint', ep.id)).stdout).toMatch(/circuit +│ closed/)
    // The circuit as the workers recorded it, read from the database by the CLI (which runs no workers).
    await storage.setEndpointCircuit(ep.id, new Date(Date.now() + 3_600_000))
    expect((await cli('stats', '--endpoint', ep.id)).stdout).toMatch(/circuit +│ open/)
    await storage.setEndpointCircuit(ep.id, new Date(Date.now() - 1_000))
    expect((await cliJson('stats', '--endpoint', ep.id)).circuit).toBe('half_open')
    await storage.setEndpointCircuit(ep.id, null)
  })

  it('does the rest of what the library does: endpoint get/enable/rotate/test/delete, messages, attempts, inbound', async () => {
    const ep = await relay.endpoints.create({ url: 'http://127.0.0.1:9/more', tenant: 'globex' })
    expect(await cliJson('endpoints', 'get', ep.id)).toMatchObject({ id: ep.id, tenant: 'globex' })
    await relay.endpoints.disable(ep.id, 'test')
    expect(await cliJson('endpoints', 'enable', ep.id)).toMatchObject({ id: ep.id, disabled: false })
    const rotated = await cliJson('endpoints', 'rotate-secret', ep.id, '--keep-old-for', '1h')
    expect(rotated.secret).toMatch(/^whsec_/)
    expect(rotated.secret).not.toBe(ep.secret)

    const test = await cliJson('endpoints', 'test', ep.id, '--type', 'order.created', '--data', '{"id":"ord_cli"}')
    const message = await relay.messages.get(test.messageId)
    expect(message).toMatchObject({ type: 'order.created', tenant: 'globex', data: { id: 'ord_cli' } })
    expect(message.deliveries.map((d) => d.endpointId)).toEqual([ep.id])
    const shown = await cliJson('messages', 'get', test.messageId)
    expect(shown).toMatchObject({ id: test.messageId, deliveries: [{ endpointId: ep.id, status: 'pending' }] })
    const listed = await cliJson('messages', 'list', '--endpoint', ep.id, '--status', 'pending')
    expect(listed.data.map((d: { messageId: string }) => d.messageId)).toEqual([test.messageId])
    expect((await cli('messages', 'list', '--status', 'lost')).stderr).toMatch(/Allowed choices are pending, delivering/)
    expect(await cliJson('attempts', 'list', '--message', test.messageId)).toEqual({ data: [], nextCursor: null })

    // Tables fit the terminal: every line of every table within 80 columns.
    const narrow = await inProcess([...connection, 'messages', 'list', '--endpoint', ep.id], 80)
    expect(narrow.stdout).toContain(test.messageId)
    expect(Math.max(...narrow.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80)
    const endpointsTable = await inProcess([...connection, 'endpoints', 'list'], 80)
    expect(Math.max(...endpointsTable.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80)

    expect(await cliJson('endpoints', 'delete', ep.id)).toEqual({ id: ep.id, deleted: true })
    expect((await cli('endpoints', 'get', ep.id)).stderr).toMatch(/does not exist/)

    expect(await cliJson('inbound', 'list', '--status', 'dead')).toEqual({ data: [], nextCursor: null })
    expect((await cli('inbound', 'replay')).stderr).toMatch(/or --all to replay every one of the dead inbound webhooks/)
    expect(await cliJson('inbound', 'replay', '--all')).toEqual({ matched: 0, changed: 0 })
  })

  it('adds an endpoint idempotently with --uid, gets it by uid, and lists and replays unhandled inbound webhooks', async () => {
    const first = await cliJson('endpoints', 'add', 'http://127.0.0.1:9/uid', '--allow-private', '--uid', 'customer-42', '--tenant', 'acme')
    expect(first).toMatchObject({ uid: 'customer-42', created: true })
    const again = await cliJson('endpoints', 'add', 'http://127.0.0.1:9/other', '--allow-private', '--uid', 'customer-42', '--tenant', 'acme')
    expect(again).toMatchObject({ id: first.id, secret: first.secret, url: 'http://127.0.0.1:9/uid', created: false })
    expect((await cli('endpoints', 'add', 'http://127.0.0.1:9/other', '--allow-private', '--uid', 'customer-42', '--tenant', 'acme')).stdout).toMatch(/no: it existed/)
    expect(await cliJson('endpoints', 'get', 'customer-42', '--tenant', 'acme')).toMatchObject({ id: first.id, uid: 'customer-42' })
    expect((await cli('endpoints', 'get', 'customer-42')).stderr).toMatch(/does not exist/)
    await relay.endpoints.delete(first.id)

    const unhandled = {
      source: 'shop', type: 'order.created', payload: '{}', headers: {}, status: 'unhandled' as const, attempts: 0, nextAttemptAt: null,
      leaseOwner: null, lastError: null, deadReason: null, receivedAt: new Date(), updatedAt: new Date(), processedAt: new Date(),
    }
    await storage.insertInboundMessage({ ...unhandled, id: 'in_cli_unhandled_1', webhookId: 'wh_cli_1' })
    await storage.insertInboundMessage({ ...unhandled, id: 'in_cli_unhandled_2', webhookId: 'wh_cli_2' })
    expect((await cliJson('inbound', 'list', '--status', 'unhandled')).data).toHaveLength(2)
    expect(await cliJson('inbound', 'replay', '--unhandled', '--all')).toEqual({ matched: 2, changed: 2 })
    expect((await cliJson('inbound', 'list', '--status', 'pending', '--source', 'shop')).data).toHaveLength(2)
    await storage.discardInboundMessages(['in_cli_unhandled_1', 'in_cli_unhandled_2'], ['pending'], new Date())
  })

  it('purges what ended long ago, with progress, and leaves pending work', async () => {
    const d = deliveries()
    const old = await d.db.selectFrom(d.name).select('id').where('status', '=', 'pending').limit(700).execute()
    await d.db
      .updateTable(d.name)
      .set({ status: 'succeeded', completed_at: Date.now() - 3 * 86_400_000 })
      .where('id', 'in', old.map((r) => r.id))
      .execute()
    const purged = await cli('purge', '--older-than', '2d', '--batch-size', '300')
    expect(purged.code).toBe(0)
    expect(purged.stdout).toBe('Purged 700 deliveries, 0 attempts, 0 messages and 0 inbound messages.\n')
    expect(purged.stderr).toMatch(/^purged 300 deliveries/)
    const left = await d.db.selectFrom(d.name).select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute()
    // discarded: the dead letter discarded above, and the test delivery of the endpoint deleted above.
    expect(Object.fromEntries(left.map((s) => [s.status, Number(s.n)]))).toEqual({ pending: 499, discarded: 2 })
    expect(await cliJson('purge', '--older-than', '2d')).toEqual({ deliveries: 0, attempts: 0, messages: 0, inbound: 0, portalSessions: 0 })
  })

  it('resends a message and deletes an endpoint, keeping its history', async () => {
    const ep = await relay.endpoints.create({ url: 'http://127.0.0.1:9/resend' })
    const sent = await relay.send({ type: 'order.created', data: { resend: true }, endpointIds: [ep.id] })
    const d = deliveries()
    await d.db.updateTable(d.name).set({ status: 'succeeded', completed_at: Date.now(), next_attempt_at: null }).where('id', '=', sent.deliveryIds[0]!).execute()

    const resent = await cliJson('messages', 'resend', sent.messageId)
    expect(resent).toEqual({ messageId: sent.messageId, deliveryIds: [expect.stringMatching(/^dlv_/)] })
    expect((await relay.deliveries.get(resent.deliveryIds[0])).status).toBe('pending')
    const busy = await cli('messages', 'resend', sent.messageId, '--endpoint', ep.id)
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(/still being delivered/)

    const deleted = await cli('endpoints', 'delete', ep.id)
    expect(deleted).toMatchObject({ code: 0, stdout: `Endpoint ${ep.id} deleted; its pending deliveries were discarded, its history kept.\n` })
    expect((await cliJson('endpoints', 'list')).data.map((e: { id: string }) => e.id)).not.toContain(ep.id)
    expect((await relay.deliveries.get(resent.deliveryIds[0])).status).toBe('discarded')
    expect((await relay.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded')
    expect((await cli('endpoints', 'delete', ep.id)).stderr).toMatch(/does not exist/)
  })
}, relayTargets)
