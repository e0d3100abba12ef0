/**
 * Summarises a V8 .cpuprofile by self time: the top functions, and the total per file (node_modules
 * grouped by package), so that "where the time goes" is read from a profile, not guessed.
 *
 *   node --import tsx bench/profile/summarize.ts <file.cpuprofile> [top=40]
 */
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const file = process.argv[2]
if (!file) throw new Error('usage: summarize.ts <file.cpuprofile> [top]')
const top = Number(process.argv[3] ?? 40)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...self.values()].reduce((a, b) => a + b, 0)

function place(url: string): string {
  if (!url) return '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const src = url.indexOf('/src/')
  if (src >= 0) return url.slice(src + 1)
  const bench = url.indexOf('/bench/')
  if (bench >= 0) return url.slice(bench + 1)
  return url.replace(/^file:\/\//, '')
}

const fns = new Map<string, number>()
const files = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)!
  const f = place(n.callFrame.url)
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${f}:${n.callFrame.lineNumber + 1}`
  fns.set(key, (fns.get(key) ?? 0) + us)
  files.set(f, (files.get(f) ?? 0) + us)
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms`
console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n\n-- by function (self)`)
for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`)
console.log('\n-- by file / package (self)')
for (const [k, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`)

// `CALLERS=run,all`: for each named native/JS function, its self time split by the JS frames above it
// (the nearest three), so that a driver's `run` is attributed to the statement that called it.
const parents = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id)
for (const name of (process.env.CALLERS ?? '').split(',').filter(Boolean)) {
  const stacks = new Map<string, number>()
  for (const [id, us] of self) {
    if (byId.get(id)!.callFrame.functionName !== name) continue
    const frames: string[] = []
    let p = parents.get(id)
    while (p !== undefined && frames.length < Number(process.env.DEPTH ?? 3)) {
      const f = byId.get(p)!.callFrame
      if (f.url) frames.push(`${f.functionName || '(anon)'}@${place(f.url)}:${f.lineNumber + 1}`)
      p = parents.get(p)
    }
    const key = frames.join(' < ')
    stacks.set(key, (stacks.get(key) ?? 0) + us)
  }
  console.log(`\n-- callers of ${name}`)
  for (const [k, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${pct(us)}  ${k}`)
}
