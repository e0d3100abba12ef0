import type * as Otel from '@opentelemetry/api'
import { loadOptionalPeer } from '../storage/load-peer.js'
import { Telemetry, type BacklogReader } from './telemetry.js'
import type { OpenTelemetryOption } from './telemetry-options.js'

/**
 * The relay's telemetry for its `openTelemetry` option: `null` when off (the default), so that
 * without it `@opentelemetry/api` is never imported; `MissingDependencyError` when asked for and
 * not installed.
 */
export function loadTelemetry(option: OpenTelemetryOption | undefined, version: string, backlog: BacklogReader): Telemetry | null {
  if (!option) return null
  const api = loadOptionalPeer<typeof Otel>('@opentelemetry/api', 'createRelay({ openTelemetry })')
  const given = option === true ? {} : option
  const tracerProvider = (given.tracerProvider as Otel.TracerProvider | undefined) ?? api.trace.getTracerProvider()
  const meterProvider = (given.meterProvider as Otel.MeterProvider | undefined) ?? api.metrics.getMeterProvider()
  return new Telemetry(api, tracerProvider, meterProvider, version, backlog)
}
