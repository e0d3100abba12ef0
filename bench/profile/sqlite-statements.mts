// Per-statement CPU of better-sqlite3 while storage-micro runs: wraps Statement#run/all/get/iterate.
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const Database = require('better-sqlite3')
const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'))
const stats = new Map<string, { n: number; us: number }>()
for (const m of ['run', 'all', 'get', 'iterate']) {
  const orig = proto[m]
  proto[m] = function (this: { source: string }, ...args: unknown[]) {
    const t = process.hrtime.bigint()
    try { return orig.apply(this, args) } finally {
      const key = `${m} ${this.source.replace(/\s+/g, ' ').slice(0, 110)}`
      const s = stats.get(key) ?? { n: 0, us: 0 }
      s.n++; s.us += Number(process.hrtime.bigint() - t) / 1000
      stats.set(key, s)
    }
  }
}
process.on('exit', () => {
  for (const [k, s] of [...stats].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) console.log(`${(s.us / 1000).toFixed(0).padStart(6)} ms ${String(s.n).padStart(6)}× ${(s.us / s.n).toFixed(0).padStart(6)} µs  ${k}`)
})
await import('./storage-micro.mjs')
