import type { RelayEvents } from './events.js'

/** How inner layers emit relay events without depending on the Relay class. */
export type Emit = <K extends keyof RelayEvents>(name: K, ...args: Parameters<RelayEvents[K]>) => void
