/**
 * Rows to domain records and back, one file per table (`endpoints.ts`, `deliveries.ts`, …), here in
 * one import for the statements that touch several tables.
 */
export * from './time.js'
export * from './endpoints.js'
export * from './messages.js'
export * from './deliveries.js'
export * from './attempts.js'
export * from './inbound-messages.js'
