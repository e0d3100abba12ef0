/**
 * Per-statement time of better-sqlite3 while another script runs (default: storage-micro.mts):
 * prints, at exit, the 15 statement texts that took longest, with their count and mean.
 *
 *   node --import tsx bench/profile/sqlite-statements.mts [script.ts [its arguments…]]
 *   node --import tsx bench/profile/sqlite-statements.mts bench/profile/race.ts sqlite
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { aroundStatements } from './statement-hook.mjs'

const stats = new Map<string, { n: number; us: number }>()
aroundStatements((method, source, _params, run) => {
  const started = process.hrtime.bigint()
  try {
    return run()
  } finally {
    const key = `${method} ${source.replace(/\s+/g, ' ').slice(0, 110)}`
    const s = stats.get(key) ?? { n: 0, us: 0 }
    s.n++
    s.us += Number(process.hrtime.bigint() - started) / 1000
    stats.set(key, s)
  }
})
process.on('exit', () => {
  for (const [k, s] of [...stats].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) {
    console.log(`${(s.us / 1000).toFixed(0).padStart(6)} ms ${String(s.n).padStart(6)}× ${(s.us / s.n).toFixed(0).padStart(6)} µs  ${k}`)
  }
})
const [script, ...rest] = process.argv.slice(2)
// The script reads its own arguments from argv[2] on, as when run directly.
if (script) process.argv.splice(1, process.argv.length - 1, resolve(script), ...rest)
await import(script ? pathToFileURL(resolve(script)).href : './storage-micro.mjs')
