import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { run } from '../../src/cli/program.js'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'

const CATALOG = fileURLToPath(new URL('./fixtures/events.ts', import.meta.url))

let dir: string
let database: string
let relay: Relay

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await run(['node', 'hookrelay', '--database-url', database, ...args], {
    out: (text) => void (stdout += `${text}\n`),
    err: (text) => void (stderr += `${text}\n`),
    columns: 120,
  })
  return { code, stdout, stderr }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookrelay-catalog-cli-'))
  database = join(dir, 'relay.db')
  relay = createRelay({ storage: sqliteStorage({ filename: database }), logger: false })
  await relay.migrate()
})

afterAll(async () => {
  await relay.stop()
  await rm(dir, { recursive: true, force: true })
})

it('hookrelay catalog lists the types of the catalog module, and shows one with its schema and examples', async () => {
  const listed = await cli('catalog', '--catalog', CATALOG)
  expect(listed.code).toBe(0)
  expect(listed.stdout).toMatch(/order\.created .*An order was placed\./)
  expect(listed.stdout).toContain('user.deleted')
  const json = JSON.parse((await cli('catalog', '--catalog', `${CATALOG}#events`, '--json')).stdout)
  expect(json.data.map((e: { type: string }) => e.type)).toEqual(['order.created', 'user.deleted'])
  const one = await cli('catalog', 'order.created', '--catalog', CATALOG)
  expect(one.stdout).toContain('"total"')
  expect(one.stdout).toContain('ord_cli_example')
})

it('hookrelay catalog says what to give when the catalog is missing or not found', async () => {
  expect((await cli('catalog')).stderr).toMatch(/needs the module that exports your defineEvents/)
  expect((await cli('catalog', '--catalog', join(dir, 'nope.js'))).stderr).toMatch(/cannot load/)
  expect((await cli('catalog', '--catalog', `${CATALOG}#missing`)).stderr).toMatch(/exports no event catalog named missing/)
})

it('endpoints test sends the catalog example; endpoints add checks event types against the catalog', async () => {
  const endpoint = await relay.endpoints.create({ url: 'https://example.com/hook', eventTypes: ['user.deleted'] })
  const sent = await cli('endpoints', 'test', endpoint.id, '--type', 'order.created', '--catalog', CATALOG, '--json')
  expect(sent.code).toBe(0)
  const { messageId } = JSON.parse(sent.stdout) as { messageId: string }
  expect(JSON.parse((await relay.messages.get(messageId)).payload)).toMatchObject({ test: true, data: { id: 'ord_cli_example', total: 7 } })

  const ping = JSON.parse((await cli('endpoints', 'test', endpoint.id, '--json')).stdout) as { type: string }
  expect(ping.type).toBe('webhook.test')

  const refused = await cli('endpoints', 'add', 'https://example.com/other', '--event-type', 'order.craeted', '--catalog', CATALOG)
  expect(refused.code).toBe(1)
  expect(refused.stderr).toMatch(/Did you mean "order.created"/)
})
