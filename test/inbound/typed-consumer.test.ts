import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CONSUMER = `${ROOT}test/.typed-consumer/`

/** Small apps using hookrelay's receiver types, as a user writes them (`strict`). */
const FILES: Record<string, string> = {
  'untyped.ts': `
    import { createRelay } from 'hookrelay'
    const relay = createRelay()
    const hooks = relay.receiver({ name: 'hooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
    hooks.on<{ id: string }>('order.created', (event) => { console.log(event.data.id) })
    hooks.on('anything', (event) => { const data: unknown = event.data; console.log(data) })
  `,
  'own-map.ts': `
    import { createRelay } from 'hookrelay'
    interface ShopEvents { 'order.created': { id: string; total: number } }
    const shop = createRelay().receiver<ShopEvents>({ name: 'shop', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
    shop.on('order.created', (event) => { console.log(event.data.total.toFixed(2)) })
    // @ts-expect-error not in the map
    shop.on('order.craeted', () => {})
  `,
  'stripe.ts': `
    import type Stripe from 'stripe'
    import { createRelay, type StripeEvents } from 'hookrelay'
    const stripe = createRelay().receiver<StripeEvents<Stripe.Event>>({ name: 'stripe', scheme: 'stripe', secret: 'whsec_x' })
    stripe.on('invoice.paid', (event) => { console.log(event.data.object.amount_paid.toFixed(0)) })
  `,
  'github.ts': `
    import type { WebhookEventMap } from '@octokit/webhooks-types'
    import { createRelay, type GitHubEvents } from 'hookrelay'
    const github = createRelay().receiver<GitHubEvents<WebhookEventMap>>({ name: 'github', scheme: 'github', secret: 's' })
    github.on('issues.opened', (event) => { console.log(event.data.issue.title.trim()) })
  `,
}

const HIDDEN = ['node_modules/stripe/', 'node_modules/@octokit/webhooks-types/']

/**
 * Type-checks the consumer files against hookrelay's source under `strict`, optionally as if
 * `stripe` and `@octokit/webhooks-types` were not installed (the compiler host does not see them).
 */
function typeCheck(files: string[], withSdks: boolean): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    paths: { hookrelay: [`${ROOT}src/index.ts`] },
  }
  const host = ts.createCompilerHost(options)
  const hidden = (path: string) => !withSdks && HIDDEN.some((h) => path.replaceAll('\\', '/').includes(h))
  const consumer = (path: string) => (path.startsWith(CONSUMER) ? FILES[path.slice(CONSUMER.length)] : undefined)
  const { fileExists, readFile, directoryExists, getSourceFile } = host
  host.fileExists = (path) => consumer(path) !== undefined || (!hidden(path) && fileExists.call(host, path))
  host.readFile = (path) => consumer(path) ?? (hidden(path) ? undefined : readFile.call(host, path))
  host.directoryExists = (path) => !hidden(`${path}/`) && (directoryExists?.call(host, path) ?? true)
  host.getSourceFile = (path, language, onError, create) => {
    const text = consumer(path)
    if (text !== undefined) return ts.createSourceFile(path, text, language)
    return hidden(path) ? undefined : getSourceFile.call(host, path, language, onError, create)
  }
  const roots = files.map((f) => `${CONSUMER}${f}`)
  const program = ts.createProgram(roots, options, host)
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || roots.includes(d.file.fileName))
    .map((d) => `${d.file ? d.file.fileName.slice(CONSUMER.length) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
}

describe('typed receivers in a user app', { timeout: 300_000 }, () => {
  // With the packages installed, test/inbound/typed-receiver.test.ts covers the same under
  // \`npm run typecheck\`; here one program (the slow part) checks an install without them.
  it('compiles without stripe and @octokit/webhooks-types installed, unless the app imports them itself', () => {
    const errors = typeCheck(Object.keys(FILES), false)
    // hookrelay's own types never import a sender's SDK: untyped and own-map apps need neither.
    expect(errors.filter((e) => e.startsWith('untyped.ts') || e.startsWith('own-map.ts'))).toEqual([])
    // The check does hide the packages: an app that imports one fails to find it.
    expect(errors.some((e) => e.startsWith("stripe.ts: Cannot find module 'stripe'"))).toBe(true)
    expect(errors.some((e) => e.startsWith("github.ts: Cannot find module '@octokit/webhooks-types'"))).toBe(true)
  })
})
