import { useEffect, useState } from 'preact/hooks'

/** The current hash route: `#/messages/msg_1?type=x` → path segments and query. */
export interface Route {
  segments: string[]
  query: URLSearchParams
}

function current(): Route {
  const hash = location.hash.replace(/^#/, '') || '/'
  const [path = '/', search = ''] = hash.split('?')
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const onChange = () => setRoute(current())
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return route
}

/** A link target inside the app. */
export function href(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v) params.set(k, v)
  const search = params.toString()
  return `#${path}${search ? `?${search}` : ''}`
}

export function navigate(path: string, query?: Record<string, string | undefined>): void {
  location.hash = href(path, query).slice(1)
}
