import { ValidationError } from '../core/errors.js'
import { EVENT_TYPE_PATTERN } from '../core/event-type.js'
import { issuePath, isStandardSchema, type InferInput, type StandardSchemaV1 } from './standard-schema.js'

/** One event type of the catalog: the schema of its `data`, what it means, and examples. */
export interface EventDefinition<S extends StandardSchemaV1 = StandardSchemaV1> {
  /**
   * The schema of the event's `data`: any Standard Schema (zod 4, valibot, arktype…). `send()`
   * validates with it and sends what it returns (zod defaults and transforms applied).
   * @example schema: z.object({ id: z.string(), total: z.number() })
   */
  schema: S
  /**
   * What happened, in a sentence, for the people who subscribe (listed by `relay.catalog()`,
   * the admin API, the CLI and the dashboard).
   * @default ''
   * @example description: 'An order was placed and paid.'
   */
  description?: string
  /**
   * Example payloads, as the sender passes them; checked against the schema when the catalog is
   * defined. The first is what `relay.endpoints.sendTest(id, { type })` sends.
   * @default []
   * @example examples: [{ id: 'ord_1', total: 42 }]
   */
  examples?: readonly InferInput<S>[]
}

/** Event types mapped to the schemas of their `data`. */
export type EventSchemas = Record<string, StandardSchemaV1>

const BRAND: unique symbol = Symbol.for('hookrelay.event-catalog')

/**
 * The event types an application sends, made by {@link defineEvents}. Give it to
 * `createRelay({ events })`: `send()` is then typed and validated by it.
 */
export class EventCatalog<TSchemas extends EventSchemas = EventSchemas> {
  readonly [BRAND] = true
  /** Each type's schema. */
  readonly schemas: Readonly<TSchemas>
  /** Each type's description and examples, with its schema. */
  readonly definitions: ReadonlyMap<string, Readonly<Required<EventDefinition>>>

  constructor(definitions: { readonly [K in keyof TSchemas]: EventDefinition<TSchemas[K]> }) {
    const entries = Object.entries(definitions).map(([type, definition]) => [type, checkDefinition(type, definition)] as const)
    this.definitions = new Map(entries)
    this.schemas = Object.freeze(Object.fromEntries(entries.map(([type, d]) => [type, d.schema]))) as Readonly<TSchemas>
    Object.freeze(this)
  }

  /** The event types, in the order they were defined. */
  get types(): string[] {
    return [...this.definitions.keys()]
  }

  /** Is `type` in the catalog? */
  has(type: string): type is keyof TSchemas & string {
    return this.definitions.has(type)
  }

  /** Recognises a catalog even when two copies of hookrelay are loaded. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  }
}

/**
 * Defines the event types the application sends: for each, a Standard Schema of its `data`
 * (zod 4, valibot, arktype…), a description and examples.
 *
 * @example
 * const events = defineEvents({
 *   'order.created': {
 *     schema: z.object({ id: z.string(), total: z.number() }),
 *     description: 'An order was placed.',
 *     examples: [{ id: 'ord_1', total: 42 }],
 *   },
 * })
 * const relay = createRelay({ events })
 * await relay.send({ type: 'order.created', data: { id: 'ord_2', total: 10 } }) // typed and validated
 */
export function defineEvents<const TSchemas extends EventSchemas>(definitions: {
  readonly [K in keyof TSchemas]: EventDefinition<TSchemas[K]>
}): EventCatalog<TSchemas> {
  if (typeof definitions !== 'object' || definitions === null || Array.isArray(definitions)) {
    throw new ValidationError("defineEvents() takes an object of event types: { 'order.created': { schema, description, examples } }.")
  }
  return new EventCatalog(definitions)
}

/** Is `value` an event catalog (of this or another copy of hookrelay)? */
export function isEventCatalog(value: unknown): value is EventCatalog {
  return value instanceof EventCatalog
}

function checkDefinition(type: string, definition: unknown): Required<EventDefinition> {
  const where = `defineEvents(): ${JSON.stringify(type)}`
  if (type.length > 256 || !EVENT_TYPE_PATTERN.test(type)) {
    throw new ValidationError(`${where} is not an event type: use names like 'order.created' (letters, digits, _ and -, dot-separated).`, [
      { path: [type], message: 'not an event type' },
    ])
  }
  if (typeof definition !== 'object' || definition === null || !isStandardSchema((definition as { schema?: unknown }).schema)) {
    throw new ValidationError(`${where} needs { schema }, a Standard Schema (zod 4, valibot, arktype) of its data.`, [
      { path: [type, 'schema'], message: 'must be a Standard Schema' },
    ])
  }
  const { schema, description = '', examples = [] } = definition as EventDefinition
  if (typeof description !== 'string') {
    throw new ValidationError(`${where}: description must be a string.`, [{ path: [type, 'description'], message: 'must be a string' }])
  }
  if (!Array.isArray(examples)) {
    throw new ValidationError(`${where}: examples must be an array of payloads.`, [{ path: [type, 'examples'], message: 'must be an array' }])
  }
  examples.forEach((example: unknown, index) => checkExample(type, schema, example, index))
  return Object.freeze({ schema, description, examples: Object.freeze([...examples]) })
}

/** An example that its own schema refuses would be sent by `sendTest` and fail there: refuse it now. */
function checkExample(type: string, schema: StandardSchemaV1, example: unknown, index: number): void {
  const result = schema['~standard'].validate(example)
  // An async schema is checked when the example is sent instead.
  if (result instanceof Promise || !result.issues) return
  const issues = result.issues.map((issue) => ({ path: [type, 'examples', index, ...issuePath(issue)], message: issue.message }))
  const lines = issues.map((i) => `  - ${i.path.slice(3).join('.') || '(root)'}: ${i.message}`)
  throw new ValidationError(`defineEvents(): example [${index}] of ${JSON.stringify(type)} does not match its schema:\n${lines.join('\n')}`, issues)
}
