import { z } from 'zod'
import type { CatalogEntry } from '../../catalog/catalog-listing.js'
import { durationCheck } from '../../core/validation.js'
import { VERSION } from '../../relay-options.js'
import { OPERATIONS, type OperationDoc } from './operations.js'
import { error } from './response-schemas.js'

type JsonObject = Record<string, unknown>

/** How a duration reads in JSON Schema: what `durationCheck` accepts. */
const DURATION_SCHEMA: JsonObject = {
  anyOf: [
    { type: 'integer', minimum: 0, description: 'milliseconds' },
    { type: 'string', pattern: '^\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)\\s*$', description: "e.g. '500ms', '5s', '30m', '2h', '7d'" },
  ],
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const converted: JsonObject = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      const def = ctx.zodSchema._zod.def
      if (def.type === 'custom' && 'fn' in def && def.fn === durationCheck) Object.assign(ctx.jsonSchema, DURATION_SCHEMA)
    },
  })
  const { $schema: _dialect, ...rest } = converted
  return rest
}

/** `/endpoints/:id` → `/endpoints/{id}` and its path parameters. */
function openApiPath(pattern: string): { path: string; params: string[] } {
  const params: string[] = []
  const path = pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    params.push(name)
    return `{${name}}`
  })
  return { path, params }
}

function operationId(method: string, pattern: string): string {
  const words = pattern.split(/[/\-.]/).filter(Boolean).map((w) => (w.startsWith(':') ? `by ${w.slice(1)}` : w))
  const camel = [method.toLowerCase(), ...words.join(' ').split(' ')].map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
  return camel.join('')
}

function queryParameters(query: z.ZodObject): JsonObject[] {
  const schema = jsonSchema(query, 'input') as { properties?: Record<string, JsonObject>; required?: string[] }
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }))
}

function operation(method: string, pattern: string, doc: OperationDoc, params: string[]): JsonObject {
  const success: JsonObject =
    doc.status === 204
      ? { description: 'Done; no body' }
      : { description: doc.summary, content: { 'application/json': { schema: doc.response ? jsonSchema(doc.response, 'output') : { type: 'object' } } } }
  return {
    operationId: operationId(method, pattern),
    summary: doc.summary,
    tags: [doc.tag],
    parameters: [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...(doc.query ? queryParameters(doc.query) : []),
    ],
    ...(doc.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } } }),
    responses: {
      [String(doc.status)]: success,
      default: { description: 'An error: 400 bad input, 401/403 refused, 404 not found, 409 conflict', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  }
}

/**
 * The OpenAPI 3.1 document of the admin API, built from the router's routes (`ADMIN_ROUTES`) and
 * their zod schemas; the event catalog, if any, is listed under `webhooks` (what endpoints receive).
 * Throws for a route without documentation, so a new route cannot ship undocumented.
 */
export function openApiDocument(routes: readonly string[], catalog: readonly CatalogEntry[] = []): JsonObject {
  let paths = pathsByRoutes.get(routes)
  if (!paths) {
    paths = documentedPaths(routes)
    pathsByRoutes.set(routes, paths)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'hookrelay admin API',
      version: VERSION,
      description:
        'Operate hookrelay over HTTP: endpoints, messages, deliveries, attempts, dead letters (outbound and inbound), stats and the event catalog. ' +
        'Paths are relative to where the app mounts the admin API; the app decides who may call it (its authorize function).',
    },
    paths,
    ...(catalog.length > 0 && { webhooks: Object.fromEntries(catalog.map((entry) => [entry.type, webhook(entry)])) }),
    components: { schemas: { Error: jsonSchema(error, 'output') } },
  }
}

/** The paths of a route list: converted once (the routes never change at run time). */
const pathsByRoutes = new WeakMap<readonly string[], Record<string, Record<string, JsonObject>>>()

function documentedPaths(routes: readonly string[]): Record<string, Record<string, JsonObject>> {
  const paths: Record<string, Record<string, JsonObject>> = {}
  for (const route of routes) {
    const doc = OPERATIONS[route]
    if (!doc) throw new Error(`The admin route ${route} has no OpenAPI documentation: add it to OPERATIONS in src/admin/openapi/operations.ts.`)
    const [method, pattern] = route.split(' ') as [string, string]
    const { path, params } = openApiPath(pattern)
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(method, pattern, doc, params) }
  }
  return paths
}

/** One catalog type as an OpenAPI webhook: the POST endpoints receive, with its signed envelope. */
function webhook(entry: CatalogEntry): JsonObject {
  const { $schema: _dialect, ...data } = entry.schema ?? {}
  const envelope = {
    type: 'object',
    required: ['type', 'timestamp', 'data'],
    properties: {
      type: { const: entry.type },
      timestamp: { type: 'string', format: 'date-time' },
      data,
      test: { const: true, description: 'Present on test messages (endpoints.sendTest)' },
    },
  }
  return {
    post: {
      summary: entry.description || entry.type,
      operationId: `webhook ${entry.type}`,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: envelope,
            ...(entry.examples.length > 0 && {
              examples: Object.fromEntries(
                entry.examples.map((example, i) => [`example${i + 1}`, { value: { type: entry.type, timestamp: '2026-01-01T00:00:00.000Z', data: example } }]),
              ),
            }),
          },
        },
      },
      responses: { '2XX': { description: 'Received; any other answer is retried on the schedule' } },
    },
  }
}
