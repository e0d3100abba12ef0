import { z } from 'zod'
import type { StandardSchemaV1 } from './standard-schema.js'

/**
 * The JSON Schema (draft 2020-12) of what a schema gives once valid: from the library's own
 * converter (Standard JSON Schema, `~standard.jsonSchema`) where it has one, from zod's
 * `z.toJSONSchema` for a zod 4 schema without it; `undefined` when neither can say.
 */
export function jsonSchemaOf(schema: StandardSchemaV1): Record<string, unknown> | undefined {
  const props = schema['~standard']
  try {
    if (props.jsonSchema) return props.jsonSchema.output({ target: 'draft-2020-12' })
    if (isZodSchema(schema)) return z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' })
  } catch {
    // A schema part JSON Schema cannot express (a zod transform, a custom check): the listing
    // says so with `schema` absent rather than publishing a schema that is wrong.
  }
  return undefined
}

function isZodSchema(schema: StandardSchemaV1): schema is StandardSchemaV1 & z.ZodType {
  return schema['~standard'].vendor === 'zod' && '_zod' in schema
}
