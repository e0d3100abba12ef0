// JSON-ish columns are TEXT holding JSON.

export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T
}

export function parseNullableJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T)
}
