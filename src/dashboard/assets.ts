import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { createHash } from 'node:crypto'

/** A prebuilt file of the UI, held in memory with its gzip and ETag. */
export interface Asset {
  contentType: string
  body: Buffer
  gzip: Buffer
  etag: string
}

/** The UI's files, built by `npm run build` (scripts/build-dashboard-ui.mjs) into `dist/dashboard-ui/`. */
export const ASSET_FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
}

/**
 * Where the prebuilt UI is: next to the bundle in the published package (`dist/dashboard-ui/`),
 * or in the repository's `dist/` when running from source (tests, examples).
 */
function candidateDirs(): URL[] {
  return [new URL('./dashboard-ui/', import.meta.url), new URL('../../dist/dashboard-ui/', import.meta.url)]
}

let loaded: Map<string, Asset> | null = null

/** Loads the UI once; throws with the fix when it was never built. */
export function loadAssets(): Map<string, Asset> {
  if (loaded) return loaded
  const dir = candidateDirs().find((url) => existsSync(fileURLToPath(new URL('app.js', url))))
  if (!dir) {
    throw new Error(
      'hookrelay dashboard: the prebuilt UI (dashboard-ui/app.js) was not found next to the package. ' +
        'In a checkout of hookrelay run `npm run build` (or `node scripts/build-dashboard-ui.mjs`).',
    )
  }
  const assets = new Map<string, Asset>()
  for (const [name, contentType] of Object.entries(ASSET_FILES)) {
    const file = fileURLToPath(new URL(name, dir))
    if (!existsSync(file)) continue
    const body = readFileSync(file)
    assets.set(name, { contentType, body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` })
  }
  loaded = assets
  return assets
}

/** The Content-Security-Policy of every dashboard answer: no inline script, nothing from elsewhere. */
export function contentSecurityPolicy(frameAncestors: readonly string[], imageOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${imageOrigins.map((o) => ` ${o}`).join('')}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ')
}

/** Security headers every answer carries. */
export function securityHeaders(frameAncestors: readonly string[], imageOrigins: readonly string[] = []): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(frameAncestors, imageOrigins),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    ...(frameAncestors.length === 0 && { 'x-frame-options': 'DENY' }),
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** The page: no inline script; the CSRF token and title travel in `<meta>` tags the app reads. */
export function pageHtml(options: {
  title: string
  csrfToken: string
  version: string
  /** The portal's branding; absent for the operator dashboard. */
  portal?: { tenant: string; logoUrl: string | null; accentColor: string }
}): string {
  const v = encodeURIComponent(options.version)
  const portal = options.portal
    ? `<meta name="hookrelay-mode" content="portal">
<meta name="hookrelay-tenant" content="${escapeHtml(options.portal.tenant)}">
<meta name="hookrelay-accent" content="${escapeHtml(options.portal.accentColor)}">
${options.portal.logoUrl ? `<meta name="hookrelay-logo" content="${escapeHtml(options.portal.logoUrl)}">\n` : ''}`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="hookrelay-csrf" content="${escapeHtml(options.csrfToken)}">
<meta name="hookrelay-title" content="${escapeHtml(options.title)}">
${portal}<title>${escapeHtml(options.title)} · webhooks</title>
<link rel="icon" href="assets/favicon.svg?v=${v}">
<link rel="stylesheet" href="assets/app.css?v=${v}">
<script type="module" src="assets/app.js?v=${v}"></script>
</head>
<body><div id="app"><noscript>The hookrelay dashboard needs JavaScript.</noscript></div></body>
</html>
`
}
