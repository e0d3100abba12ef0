import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { expect, it } from 'vitest'
import { checkSnippets, extractSnippets, packagePaths, snippetFiles } from './doc-snippets.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** A folder that does not exist: the snippets live in memory, but resolve packages from the repository's node_modules. */
const DIR = path.join(ROOT, '.doc-snippets')

/**
 * The names snippets use without declaring them: the app, the relay and ids a reader already has from
 * the text around the snippet. A snippet that needs another one declares it, or says `ts continues`
 * to join the block before it.
 */
const PRELUDE = `
import type { AdminRequest, BulkProgress, DeliveryStatus, InboundHandler, Receiver, Relay } from 'hookrelay'
import type expressFunction from 'express'
import type * as hookrelay from 'hookrelay'
import type * as signing from 'hookrelay/signing'
import type * as hookrelayExpress from 'hookrelay/express'
import type * as hookrelayNode from 'hookrelay/node'
import type { Express } from 'express'
import type { FastifyInstance } from 'fastify'
import type { Kysely, Transaction } from 'kysely'
import type { Pool } from 'pg'
declare global {
  // The package's functions, as if imported (snippets that show one call skip the import line).
  const createRelay: typeof hookrelay.createRelay
  const sqliteStorage: typeof hookrelay.sqliteStorage
  const postgresStorage: typeof hookrelay.postgresStorage
  const mysqlStorage: typeof hookrelay.mysqlStorage
  const redisQueue: typeof hookrelay.redisQueue
  const sign: typeof signing.sign
  const verify: typeof signing.verify
  const generateSecret: typeof signing.generateSecret
  const expressReceiver: typeof hookrelayExpress.expressReceiver
  const expressDashboard: typeof hookrelayExpress.expressDashboard
  const nodeReceiver: typeof hookrelayNode.nodeReceiver
  const express: typeof expressFunction
  const http: typeof import('node:http')
  // What the app around a snippet has.
  const relay: Relay
  const storage: hookrelay.Storage
  const app: Express
  const fastify: FastifyInstance
  const receiver: Receiver
  const stripe: Receiver
  const github: Receiver
  const pool: Pool
  const appDb: Kysely<any>
  const tx: Transaction<any>
  const order: { id: string; total: number }
  const log: { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void }
  const handler: InboundHandler
  const authorize: (req: AdminRequest) => boolean
  const orders: { markPaid(orderId: string, options: { dedupeKey: string }): Promise<void> }
  const repos: { find(fullName: string): Promise<{ id: string } | undefined> }
  const tickets: { open(repo: { id: string }, issue: { number: number; title: string }): Promise<void> }
  function isAdmin(cookie: string | string[] | undefined): boolean
  function markPaid(payload: unknown): Promise<void>
  function createOrder(body: unknown): Promise<{ id: string; total: number }>
  function readText(): Promise<string>
  // Stand-ins for packages and runtimes this repository does not install.
  function pino(): { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void }
  const hono: { post(path: string, handler: (c: { req: { raw: Request } }) => Response | Promise<Response>): void }
  const Bun: { serve(options: { fetch: (request: Request) => Response | Promise<Response> }): unknown }
  const Deno: { serve(handler: (request: Request) => Response | Promise<Response>): unknown }
  // Values a reader fills in: ids, filters, secrets, a body.
  const id: string
  const endpointId: string
  const messageId: string
  const deliveryId: string
  const tenant: string | null
  const eventType: string
  const type: string
  const since: Date
  const until: Date | undefined
  const limit: number
  const cursor: string | undefined
  const status: DeliveryStatus
  const url: string
  const secret: string
  const newSecret: string
  const oldSecret: string
  const endpointIds: string[]
  const method: string
  const path: string
  const query: Record<string, string>
  const payload: string
  const headers: Record<string, string>
  const onProgress: (progress: BulkProgress) => void
}
export {}
`

/** The options a strict consumer compiles with (the docs promise they type-check under these). */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  typeRoots: [path.join(ROOT, 'node_modules/@types')],
  strict: true,
  exactOptionalPropertyTypes: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  allowImportingTsExtensions: false,
  paths: packagePaths(ROOT),
}

function docs(): string[] {
  return ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
}

it('type-checks every TypeScript snippet of the README and docs/ under strict and exactOptionalPropertyTypes', () => {
  const snippets = docs().flatMap((doc) => extractSnippets(ROOT, doc))
  expect(snippets.length).toBeGreaterThan(40)
  const files = snippetFiles(snippets, DIR)
  const diagnostics = checkSnippets(files, { [path.join(DIR, 'prelude.d.ts')]: PRELUDE }, OPTIONS)
  const report = diagnostics.map((d) => `${d.where}: ${d.message}`).join('\n')
  expect(report, `snippets that do not compile (fix the doc, or mark a fragment \`\`\`ts nocheck and say why):\n${report}`).toBe('')
}, 180_000)

it('paths cover the package and every subpath, from the exports map and tsup entries', () => {
  const paths = packagePaths(ROOT)
  expect(Object.keys(paths)).toEqual(expect.arrayContaining(['hookrelay', 'hookrelay/signing', 'hookrelay/express', 'hookrelay/fastify', 'hookrelay/node', 'hookrelay/fetch']))
})
