import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const REPO = 'https://github.com/hookrelay/hookrelay'
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  repository: { url: string }
  homepage: string
  bugs: { url: string }
  files: string[]
  exports: Record<string, unknown>
  typesVersions: Record<string, Record<string, string[]>>
}

it('names its repository, homepage and issue tracker (what npm links to)', () => {
  expect(pkg.repository.url).toBe(`git+${REPO}.git`)
  expect(pkg.homepage).toBe(`${REPO}#readme`)
  expect(pkg.bugs.url).toBe(`${REPO}/issues`)
})

it("links from the README to files of the repository by absolute URL (docs/ is not in the package), each to a file that exists", () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8')
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
  expect(targets.filter((t) => !/^(https?:|#)/.test(t)), 'relative links break on npm').toEqual([])
  const inRepo = targets.flatMap((t) => {
    const m = /^https:\/\/(?:github\.com\/hookrelay\/hookrelay\/(?:blob|raw)\/main|raw\.githubusercontent\.com\/hookrelay\/hookrelay\/main)\/([^#?]+)/.exec(t)
    return m ? [m[1]!] : []
  })
  expect(inRepo.length).toBeGreaterThan(10)
  expect(inRepo.filter((file) => !existsSync(`${ROOT}${file}`)), 'links to files that do not exist').toEqual([])
})

it('the CHANGELOG (shipped in the package) names no file of the repository that does not exist', () => {
  const changelog = readFileSync(`${ROOT}CHANGELOG.md`, 'utf8')
  const paths = [...changelog.matchAll(/(?<![\w/.-])((?:docs|src|test|scripts|examples|bench|shared)\/[\w./-]+\.(?:md|ts|mjs|json))/g)].map((m) => m[1]!)
  expect(paths.filter((file) => !existsSync(`${ROOT}${file}`))).toEqual([])
})

it('maps every subpath export for moduleResolution node10 (typesVersions), to the same declarations as exports', () => {
  const subpaths = Object.keys(pkg.exports).filter((s) => s !== '.' && s !== './package.json')
  expect(Object.keys(pkg.typesVersions['*']!).sort()).toEqual(subpaths.map((s) => s.slice(2)).sort())
  for (const subpath of subpaths) {
    const types = (pkg.exports[subpath] as { import: { types: string } }).import.types
    expect(pkg.typesVersions['*']![subpath.slice(2)]).toEqual([types])
  }
})
