#!/usr/bin/env node
/**
 * Builds the dashboard's UI (src/dashboard/ui, Preact) into dist/dashboard-ui/: one minified ES
 * module, one stylesheet and the icon, which the dashboard serves from memory. `npm run build`
 * runs it after tsup, so users of the package never run a build step. Prints the gzipped size
 * and fails above the budget (200 KB gzipped).
 *
 *   node scripts/build-dashboard-ui.mjs [--out dir]
 */
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ui = path.join(root, 'src/dashboard/ui')
const outIndex = process.argv.indexOf('--out')
const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(root, 'dist/dashboard-ui')
const BUDGET = 200 * 1024

mkdirSync(out, { recursive: true })
await build({
  entryPoints: { app: path.join(ui, 'main.tsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: path.join(ui, 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'warning',
})
copyFileSync(path.join(ui, 'app.css'), path.join(out, 'app.css'))
copyFileSync(path.join(ui, 'favicon.svg'), path.join(out, 'favicon.svg'))

let total = 0
for (const file of ['app.js', 'app.css', 'favicon.svg']) {
  const bytes = readFileSync(path.join(out, file))
  const gz = gzipSync(bytes, { level: 9 }).length
  total += gz
  console.log(`  ${file.padEnd(12)} ${(bytes.length / 1024).toFixed(1).padStart(7)} KB  ${(gz / 1024).toFixed(1).padStart(6)} KB gzipped`)
}
console.log(`  dashboard UI: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`)
if (total > BUDGET) {
  console.error('The dashboard UI is over its size budget.')
  process.exit(1)
}
