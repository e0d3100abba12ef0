import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, expect, it } from 'vitest'
import { packagePaths } from './doc-snippets.js'

/**
 * A consumer project resolves `hookrelay` and its subpaths through the package's own package.json
 * (`exports`, `typesVersions`, `types`) under each `moduleResolution`, with `strict` and
 * `exactOptionalPropertyTypes`. The package's dist/*.d.ts are stand-ins that re-export the sources
 * they are built from, so the spec needs no build; scripts/check-package.mjs runs attw on the real
 * build (node10 included) in CI.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { name: string; exports: Record<string, unknown> }
const work = mkdtempSync(path.join(tmpdir(), 'hookrelay-consumer-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** node_modules/hookrelay: the real package.json, and a dist/<entry>.d.ts per entry re-exporting its source. */
function installStandIn(): void {
  const dir = path.join(work, 'node_modules', pkg.name)
  mkdirSync(path.join(dir, 'dist'), { recursive: true })
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg))
  for (const [specifier, [source]] of Object.entries(packagePaths(ROOT))) {
    const subpath = specifier === pkg.name ? '.' : `./${specifier.slice(pkg.name.length + 1)}`
    const types = JSON.stringify(pkg.exports[subpath]).match(/"types":"\.\/(dist\/[\w-]+\.d\.ts)"/)?.[1]
    if (!types) throw new Error(`no import types for ${subpath}`)
    writeFileSync(path.join(dir, types), `export * from ${JSON.stringify(source!.replace(/\.ts$/, '.js'))}\n`)
  }
}

/** What a user writes: every entry point imported, options from the environment (string | undefined). */
function consumerSource(): string {
  const imports = Object.keys(packagePaths(ROOT)).map((specifier, i) => `import * as entry${i} from '${specifier}'`)
  return `${imports.join('\n')}
import { createRelay, sqliteStorage, postgresStorage } from 'hookrelay'
import { sign, verify } from 'hookrelay/signing'
import { expressReceiver } from 'hookrelay/express'
import { fastifyReceiver } from 'hookrelay/fastify'
import { nodeReceiver } from 'hookrelay/node'
import { fetchReceiver } from 'hookrelay/fetch'

export const entries = [${Object.keys(packagePaths(ROOT)).map((_, i) => `entry${i}`).join(', ')}]
export async function main(): Promise<void> {
  const relay = createRelay({
    storage: process.env.DATABASE_URL ? postgresStorage({ connectionString: process.env.DATABASE_URL, schema: process.env.SCHEMA }) : sqliteStorage({ filename: process.env.DB_FILE }),
    delivery: { timeout: process.env.TIMEOUT, concurrency: undefined },
    network: { allowPrivate: process.env.NODE_ENV !== 'production' },
    retention: process.env.RETENTION ? { olderThan: process.env.RETENTION } : undefined,
  })
  const shop = relay.receiver({ name: 'shop', secret: process.env.WEBHOOK_SECRET, tolerance: undefined })
  shop.on<{ id: string }>('order.created', async (event) => void event.data.id)
  const endpoint = await relay.endpoints.create({ url: 'https://example.com/hook', description: process.env.DESCRIPTION, tenant: undefined })
  await relay.send({ type: 'order.created', data: { id: 'ord_1' }, idempotencyKey: process.env.KEY }, { transaction: undefined })
  await relay.dlq.list({ endpointId: endpoint.id, cursor: process.env.CURSOR, since: undefined })
  const headers = sign({ secret: endpoint.secret, id: 'msg_1', payload: '{}', timestamp: undefined })
  verify({ secret: endpoint.secret, payload: '{}', headers, tolerance: undefined })
  void [expressReceiver(shop), fastifyReceiver(shop), nodeReceiver(shop), fetchReceiver(shop)]
}
`
}

installStandIn()
const consumer = path.join(work, 'consumer.ts')
writeFileSync(consumer, consumerSource())

const BASE: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  typeRoots: [path.join(ROOT, 'node_modules/@types')],
  strict: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: true,
  noEmit: true,
  esModuleInterop: true,
}

// Parsed once, shared by the programs: each only type-checks.
const parsed = new Map<string, ts.SourceFile | undefined>()
function check(options: ts.CompilerOptions): string[] {
  const host = ts.createCompilerHost(options, true)
  const getSourceFile = host.getSourceFile
  host.getSourceFile = (name, language, onError, create) => {
    const key = `${name}\0${typeof language === 'object' ? `${language.languageVersion}${language.impliedNodeFormat ?? ''}` : language}`
    if (!parsed.has(key)) parsed.set(key, getSourceFile.call(host, name, language, onError, create))
    return parsed.get(key)
  }
  const program = ts.createProgram({ rootNames: [consumer], options: { ...BASE, ...options }, host })
  const source = program.getSourceFile(consumer)!
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
    (d) => `${d.start === undefined ? '' : source.getLineAndCharacterOfPosition(d.start).line + 1}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  )
}

it('type-checks for a consumer on moduleResolution node10 (module commonjs): subpaths through typesVersions', () => {
  expect(check({ module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 })).toEqual([])
}, 120_000)

it('type-checks for a consumer on moduleResolution bundler', () => {
  expect(check({ module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler })).toEqual([])
}, 120_000)

it('type-checks for an ES module consumer on node16', () => {
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ type: 'module' }))
  expect(check({ module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 })).toEqual([])
}, 120_000)

it('fails where it should: without typesVersions, node10 cannot see the subpaths', () => {
  const standIn = path.join(work, 'node_modules', pkg.name, 'package.json')
  const { typesVersions: _dropped, ...without } = JSON.parse(readFileSync(standIn, 'utf8')) as Record<string, unknown>
  writeFileSync(standIn, JSON.stringify(without))
  rmSync(path.join(work, 'package.json'), { force: true })
  parsed.clear()
  const errors = check({ module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 })
  expect(errors.some((e) => e.includes("Cannot find module 'hookrelay/express'"))).toBe(true)
}, 120_000)
