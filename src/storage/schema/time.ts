import type { ColumnType } from 'kysely'

// Times are epoch milliseconds in the database (a string when `pg` reads an int8) and `Date`s in records.

export function toDate(value: number | string): Date {
  return new Date(Number(value))
}

export function toNullableDate(value: number | string | null): Date | null {
  return value === null ? null : new Date(Number(value))
}

export function toMillis(date: Date): number {
  return date.getTime()
}

export function toNullableMillis(date: Date | null | undefined): number | null {
  return date == null ? null : date.getTime()
}

/** Epoch milliseconds: written as a number, read as a number (SQLite) or a string (Postgres int8). */
export type Millis = ColumnType<number | string, number, number>
export type NullableMillis = ColumnType<number | string | null, number | null, number | null>
