export * from './core/errors.js'
export type { Duration } from './core/duration.js'
export type * from './core/types.js'
