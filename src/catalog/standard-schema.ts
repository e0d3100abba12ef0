/**
 * The Standard Schema v1 interface (https://standardschema.dev), vendored: it is a published spec
 * of a few types that zod 4, valibot and arktype implement, so hookrelay accepts any of them
 * without depending on one. Also the optional Standard JSON Schema converter
 * (`~standard.jsonSchema`), through which a library hands out its own JSON Schema.
 */

/** A schema of any Standard Schema library: `schema['~standard'].validate(value)`. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>
}

/** The `~standard` property of a schema. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1
  /** The library, e.g. `'zod'`, `'valibot'`, `'arktype'`. */
  readonly vendor: string
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
  /** Types only: what the schema takes and gives. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined
  /** Standard JSON Schema, where the library implements it (zod 4.2+ does). */
  readonly jsonSchema?: StandardJsonSchemaConverter | undefined
}

/** Standard JSON Schema: the library's own converter. */
export interface StandardJsonSchemaConverter {
  readonly input: (options: { readonly target: string }) => Record<string, unknown>
  readonly output: (options: { readonly target: string }) => Record<string, unknown>
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] }

/** One problem a schema found, with where it is. */
export interface StandardIssue {
  readonly message: string
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined
}

/** What a schema takes (e.g. before zod defaults and transforms). */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input']
/** What a schema gives once valid. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output']

/** True for a Standard Schema of any library. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false
  const props: unknown = (value as { '~standard'?: unknown })['~standard']
  return typeof props === 'object' && props !== null && typeof (props as { validate?: unknown }).validate === 'function'
}

/** An issue's path as plain keys (`['items', 0, 'sku']`). */
export function issuePath(issue: StandardIssue): PropertyKey[] {
  return (issue.path ?? []).map((segment) => (typeof segment === 'object' && segment !== null ? segment.key : segment))
}
