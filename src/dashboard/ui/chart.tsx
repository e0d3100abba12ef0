import type { Second } from './live.js'

const SERIES = [
  { key: 'succeeded', label: 'succeeded', cls: 'line-ok' },
  { key: 'failed', label: 'failed', cls: 'line-bad' },
  { key: 'deferred', label: 'deferred', cls: 'line-warn' },
] as const

/** Throughput per second over the last seconds, as an SVG (no canvas, no inline style). */
export function ThroughputChart({ seconds, span }: { seconds: Second[]; span: number }) {
  const width = 720
  const height = 180
  const pad = 28
  const now = seconds.length ? seconds[seconds.length - 1]!.at : Math.floor(Date.now() / 1000) * 1000
  const start = now - (span - 1) * 1000
  const visible = seconds.filter((s) => s.at >= start)
  const max = Math.max(1, ...visible.flatMap((s) => [s.succeeded, s.failed, s.deferred]))
  const top = niceMax(max)
  const x = (at: number) => pad + ((at - start) / ((span - 1) * 1000)) * (width - pad - 8)
  const y = (v: number) => height - pad + 4 - (v / top) * (height - pad - 8)
  const points = (key: (typeof SERIES)[number]['key']) => visible.map((s) => `${x(s.at).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ')
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Deliveries per second">
        {[0, 0.5, 1].map((f) => (
          <g>
            <line class="grid" x1={pad} x2={width - 8} y1={y(top * f)} y2={y(top * f)} />
            <text class="axis" x={pad - 4} y={y(top * f) + 4} text-anchor="end">
              {formatTick(top * f)}
            </text>
          </g>
        ))}
        {SERIES.map((s) => (
          <polyline class={s.cls} points={points(s.key)} fill="none" />
        ))}
      </svg>
      <figcaption class="legend">
        {SERIES.map((s) => (
          <span class={`legend-item ${s.cls}`}>{s.label}</span>
        ))}
        <span class="muted">per second, last {span} s</span>
      </figcaption>
    </figure>
  )
}

function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude
  return 10 * magnitude
}

function formatTick(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)}k` : String(Math.round(value * 10) / 10)
}
