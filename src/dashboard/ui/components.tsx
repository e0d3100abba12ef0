import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.js'

/** Loads `load()` on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setLoading(true)
    load().then(
      (value) => {
        if (!live) return
        setData(value)
        setError(null)
        setLoading(false)
      },
      (e: unknown) => {
        if (!live) return
        setError(e instanceof Error ? e.message : String(e))
        setLoading(false)
      },
    )
    return () => {
      live = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data, error, loading, reload }
}

/** Runs a change, with its pending state and error. */
export function useAction(): { run: (fn: () => Promise<unknown>, done?: () => void) => void; busy: boolean; error: string | null; message: string | null; setMessage: (m: string | null) => void } {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const run = (fn: () => Promise<unknown>, done?: () => void) => {
    setBusy(true)
    setError(null)
    fn().then(
      () => {
        setBusy(false)
        done?.()
      },
      (e: unknown) => {
        setBusy(false)
        setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e))
      },
    )
  }
  return { run, busy, error, message, setMessage }
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status.replace('_', ' ')}</span>
}

export function CodeBadge({ code }: { code: number | null }) {
  if (code === null) return <span class="code code-none">—</span>
  const cls = code >= 500 ? '5xx' : code >= 400 ? '4xx' : code >= 300 ? '3xx' : '2xx'
  return <span class={`code code-${cls}`}>{code}</span>
}

export function Card({ label, value, hint, tone, testid }: { label: string; value: ComponentChildren; hint?: string; tone?: string; testid?: string }) {
  return (
    <div class={`card ${tone ? `tone-${tone}` : ''}`} data-testid={testid}>
      <div class="card-label">{label}</div>
      <div class="card-value">{value}</div>
      {hint && <div class="card-hint">{hint}</div>}
    </div>
  )
}

export function ErrorBox({ error }: { error: string | null }) {
  return error ? (
    <div class="error" role="alert">
      {error}
    </div>
  ) : null
}

export function Loading() {
  return <div class="muted">Loading…</div>
}

/** Untrusted text (payloads, headers, response bodies) shown verbatim: always a text node. */
export function Pre({ text, testid }: { text: string; testid?: string }) {
  return (
    <pre class="pre" data-testid={testid}>
      {text}
    </pre>
  )
}

export function Section({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="section">
      <div class="section-head">
        <h2>{title}</h2>
        <div class="actions">{actions}</div>
      </div>
      {children}
    </section>
  )
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([key, value]) => (
        <>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  )
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>
}
