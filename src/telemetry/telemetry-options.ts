/**
 * `createRelay({ openTelemetry })`: traces and metrics through `@opentelemetry/api`, an optional
 * peer dependency imported only when this is set. Providers are the globally registered ones
 * unless given. Off by default: nothing is imported and nothing is measured.
 * @default false
 * @example openTelemetry: true   // after registering an SDK (NodeSDK, or a TracerProvider and MeterProvider)
 */
export type OpenTelemetryOption =
  | boolean
  | {
      /** A `TracerProvider` from `@opentelemetry/api`. @default trace.getTracerProvider() */
      tracerProvider?: object
      /** A `MeterProvider` from `@opentelemetry/api`. @default metrics.getMeterProvider() */
      meterProvider?: object
    }
