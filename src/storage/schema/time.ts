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
